// Every bad input of the table (bad-inputs-cases.ts; docs/cli.md lists them)
// exits 2 with one line on stderr naming the file and no stack trace, and with
// --json prints exactly one JSON document {"error": {kind, message, file, at}}
// on stdout (nothing on stdout without --json), within the time limit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CASES, TIME_LIMIT_MS, runAll } from './bad-inputs-cases';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-bad-inputs-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
const results = runAll(base);

test('the table has at least 40 bad inputs', () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
});

CASES.forEach((c, k) => {
  test(`bad input: ${c.what} (bpfx ${c.args.join(' ')})`, async () => {
    const { text, json } = (await results)[k];
    for (const r of [text, json]) {
      assert.equal(r.signal, null, `killed after ${TIME_LIMIT_MS} ms`);
      assert.equal(r.status, 2, `exit status ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace');
    }
    // text: one line on stderr, naming the file; stdout empty (unless the case itself has --json)
    if (!c.args.includes('--json')) {
      assert.equal(text.stdout, '');
      const lines = text.stderr.split('\n');
      assert.equal(lines.length, 2, `one line expected:\n${text.stderr}`);
      assert.equal(lines[1], '');
      assert.match(lines[0], new RegExp(`^bpfx ${c.args[0]}: `));
      if (c.file !== null) assert.ok(lines[0].includes(c.file), `the line names ${c.file}: ${lines[0]}`);
    }
    // --json: exactly one document on stdout, the error shape
    const doc = JSON.parse(json.stdout) as { error: { kind: string; message: string; file: string | null; at: string | null } };
    assert.deepEqual(Object.keys(doc), ['error']);
    assert.deepEqual(Object.keys(doc.error), ['kind', 'message', 'file', 'at']);
    assert.equal(doc.error.kind, c.kind, doc.error.message);
    assert.equal(doc.error.file, c.file);
    assert.ok(doc.error.message.length > 0 && !doc.error.message.includes('\n'));
    assert.notEqual(doc.error.kind, 'internal');
  });
});
