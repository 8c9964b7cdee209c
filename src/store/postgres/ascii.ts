// The ASCII bytes the COPY record reader, the time writer and the jsonb rewrite look for, named
// once for all three.

export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const DOT = 0x2e;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;
export const COLON = 0x3a;
export const BACKSLASH = 0x5c;
export const BRACE = 0x7b;
