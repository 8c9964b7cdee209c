import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { RegexRefusedError } from '../sql/regex.js';
import { installErrorHandling } from './error-handler.js';

// What a driver throws when the database refuses a pattern of the search (pg's DatabaseError
// carries the SQLSTATE as `code`), alone or wrapped by a layer that kept it as `cause`.
const tooComplex = () => Object.assign(new Error('invalid regular expression: regular expression is too complex'), { code: '2201B', severity: 'ERROR' });

describe('the error handler', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify({ logger: false });
    installErrorHandling(app);
    app.get('/regex', async () => { throw tooComplex(); });
    app.get('/wrapped', async () => { throw new Error('reading events failed', { cause: tooComplex() }); });
    app.get('/budget', async () => { throw new RegexRefusedError('the regular expression takes too long over these events'); });
    app.get('/escape', async () => { throw Object.assign(new Error('invalid escape sequence'), { code: '22025' }); });
    app.get('/other', async () => { throw Object.assign(new Error('invalid input syntax for type integer: "x"'), { code: '22P02' }); });
    await app.ready();
  });
  after(() => app.close());

  it('answers a regular expression the database refuses as 400 invalid_query, never 500', async () => {
    for (const url of ['/regex', '/wrapped', '/budget', '/escape']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.json().error.code, 'invalid_query', url);
      assert.match(response.json().error.message, /pattern of the search/, url);
    }
    assert.match((await app.inject({ method: 'GET', url: '/regex' })).json().error.message, /too complex/);
  });

  it('still answers any other database error as a bare 500', async () => {
    const response = await app.inject({ method: 'GET', url: '/other' });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json().error.message, 'Internal server error');
  });
});
