import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SteleError } from '../domain/errors.js';
import { describeSftp, hostAllowed, hostKeyFingerprint, sftpDestinationFrom } from './sftp-destination.js';

// echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDVHl9o1F1zPDUY8+0QHlho/M1LINwm4HydHMiGUQ3bO pinned' > k.pub
// ssh-keygen -l -E sha256 -f k.pub   # 256 SHA256:neynZNoDQBr87UZmUqOFfEIKd9nlbf7LJntxkAsJvX0 pinned (ED25519)
const PUBLIC_KEY_BLOB = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIDVHl9o1F1zPDUY8+0QHlho/M1LINwm4HydHMiGUQ3bO', 'base64');
const FINGERPRINT = 'SHA256:neynZNoDQBr87UZmUqOFfEIKd9nlbf7LJntxkAsJvX0';

const base = { host: 'sftp.example.com', username: 'stele', path: 'drop/audit' };
const fieldOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SteleError);
    return error.details[0]!.field!;
  }
  throw new Error('did not throw');
};

describe('sftpDestinationFrom', () => {
  it('computes the fingerprint OpenSSH prints for a host key', () => {
    assert.equal(hostKeyFingerprint(PUBLIC_KEY_BLOB), FINGERPRINT);
  });

  it('keeps the secret out of the target and defaults the port to 22', () => {
    const { target, credentials } = sftpDestinationFrom({ ...base, password: 'hunter2', host_key_sha256: `${FINGERPRINT}=` }, undefined);
    assert.deepEqual(target, { ...base, port: 22, auth: 'password', host_key_sha256: FINGERPRINT });
    assert.deepEqual(credentials, { password: 'hunter2' });
  });

  it('names the field of each refusal', () => {
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base }, undefined)), 'sftp.password');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', private_key: 'k' }, undefined)), 'sftp.password');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', passphrase: 'x' }, undefined)), 'sftp.passphrase');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, private_key: '-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n' }, undefined)), 'sftp.private_key');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', port: 70_000 }, undefined)), 'sftp.port');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', host: 'a b' }, undefined)), 'sftp.host');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', path: 'a\nb' }, undefined)), 'sftp.path');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p', host_key_sha256: 'MD5:12:34' }, undefined)), 'sftp.host_key_sha256');
  });

  it('refuses hosts outside STELE_EXPORT_SFTP_HOSTS, and every host when it is none', () => {
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p' }, ['backup.example.com'])), 'sftp.host');
    assert.equal(fieldOf(() => sftpDestinationFrom({ ...base, password: 'p' }, [])), 'sftp.host');
    assert.ok(sftpDestinationFrom({ ...base, password: 'p' }, ['*.example.com']));
    assert.equal(hostAllowed(['*.example.com'], 'example.com'), false);
    assert.equal(hostAllowed(['*.example.com'], 'evil-example.com'), false);
    assert.equal(hostAllowed(['*.example.com'], 'A.Example.com'), true);
  });

  it('describes targets as URLs, absolute paths as they are and relative ones under ~', () => {
    const target = { ...base, port: 2222, auth: 'password' as const, host_key_sha256: null };
    assert.equal(describeSftp(target), 'sftp://stele@sftp.example.com:2222/~/drop/audit');
    assert.equal(describeSftp({ ...target, host: '::1', path: '/srv/drop' }), 'sftp://stele@[::1]:2222/srv/drop');
  });
});
