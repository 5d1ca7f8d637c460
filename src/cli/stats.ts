// Verifier statistics as veristat (tools/testing/selftests/bpf/veristat.c)
// prints them: its columns (header, CSV names and aliases), its table and CSV
// output, `-C` comparison of two CSV runs, `-f` filters (globs `OBJ[/PROG]`,
// `!` to deny, `@FILE` for a file of them, and stat filters `STAT OP VALUE`)
// and `-s` sort specs. Rows come from our verifier model (verify --stats) or
// from the live kernel's log statistics lines (kernel --stats).

import { UsageError } from './command';
import { InputError } from './outcome';

/** One program's statistics (a veristat row). `verdict` adds `unknown`: the model could not decide. */
export interface StatsRow {
  file: string;
  prog: string;
  verdict: 'success' | 'failure' | 'unknown';
  duration: number;
  totalInsns: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  markRead: number;
  progSize: number;
  jitedSize: number;
  progType: string;
  attachType: string;
  stackDepth: number;
  memPeak: number;
}

export interface StatDef {
  id: keyof StatsRow;
  header: string;
  /** names[0] is the CSV column; the others are aliases -e/-s/-f accept. */
  names: string[];
  /** Sorted ascending by default (strings); numbers sort descending. */
  asc: boolean;
  /** A string column (left-aligned in tables). */
  text: boolean;
}

export const STAT_DEFS: readonly StatDef[] = [
  { id: 'file', header: 'File', names: ['file_name', 'filename', 'file'], asc: true, text: true },
  { id: 'prog', header: 'Program', names: ['prog_name', 'progname', 'prog'], asc: true, text: true },
  { id: 'verdict', header: 'Verdict', names: ['verdict'], asc: true, text: true },
  { id: 'duration', header: 'Duration (us)', names: ['duration', 'dur'], asc: false, text: false },
  { id: 'totalInsns', header: 'Insns', names: ['total_insns', 'insns'], asc: false, text: false },
  { id: 'totalStates', header: 'States', names: ['total_states', 'states'], asc: false, text: false },
  { id: 'peakStates', header: 'Peak states', names: ['peak_states'], asc: false, text: false },
  { id: 'maxStatesPerInsn', header: 'Max states per insn', names: ['max_states_per_insn'], asc: false, text: false },
  { id: 'markRead', header: 'Max mark read length', names: ['max_mark_read_len', 'mark_read'], asc: false, text: false },
  { id: 'progSize', header: 'Program size', names: ['prog_size'], asc: false, text: false },
  { id: 'jitedSize', header: 'Jited size', names: ['prog_size_jited'], asc: false, text: false },
  { id: 'progType', header: 'Program type', names: ['prog_type'], asc: true, text: true },
  { id: 'attachType', header: 'Attach type', names: ['attach_type'], asc: true, text: true },
  { id: 'stackDepth', header: 'Stack depth', names: ['stack_depth', 'stack'], asc: false, text: false },
  { id: 'memPeak', header: 'Peak memory (MiB)', names: ['mem_peak'], asc: false, text: false },
];

const byId = (id: keyof StatsRow): StatDef => STAT_DEFS.find((d) => d.id === id) as StatDef;
/** veristat's default table columns and its CSV columns (every stat). */
export const TABLE_COLUMNS: readonly StatDef[] = (['file', 'prog', 'verdict', 'duration', 'totalInsns', 'totalStates', 'progSize', 'jitedSize'] as const).map(byId);
export const CSV_COLUMNS: readonly StatDef[] = STAT_DEFS;

/** A bad stat name, filter or sort spec on the command line. */
const StatsError = UsageError;
/** A bad CSV: the file and the line. */
const csvError = (source: string, line: number, message: string): InputError => new InputError('csv', source, message, `line ${line}`);

export type Variant = 'a' | 'b' | 'diff' | 'pct' | null;
interface StatRef { def: StatDef; variant: Variant; abs: boolean }

/** A stat name as -s / -f / -e give it: `insns`, `|insns_diff|`, `verdict_b`. */
export function parseStatRef(text: string): StatRef {
  let name = text.trim();
  let abs = false;
  if (name.length > 2 && name.startsWith('|') && name.endsWith('|')) { abs = true; name = name.slice(1, -1); }
  for (const def of STAT_DEFS) {
    for (const alias of def.names) {
      if (name === alias) return { def, variant: null, abs };
      const m = name.startsWith(alias) ? name.slice(alias.length).match(/^_(a|b|diff|pct)$/) : null;
      if (m) return { def, variant: m[1] as Variant, abs };
    }
  }
  throw new StatsError(`unrecognized stat name '${text}' (known: ${STAT_DEFS.map((d) => d.names[0]).join(', ')})`);
}

// ---- values of a row and of a joined (compared) row ----

export interface Joined { file: string; prog: string; a: StatsRow | null; b: StatsRow | null }

const VERDICT_NUM: Record<string, number> = { failure: 0, success: 1, unknown: -1 };
const num = (r: StatsRow, d: StatDef): number => (d.id === 'verdict' ? VERDICT_NUM[r.verdict] : Number(r[d.id]));

function joinedValue(j: Joined, ref: StatRef): string | number {
  const { def, variant } = ref;
  if (def.id === 'file') return j.file;
  if (def.id === 'prog') return j.prog;
  const v = (r: StatsRow | null): number => (r ? num(r, def) : -Number.MAX_VALUE);
  switch (variant) {
    case 'a': case null: return v(j.a);
    case 'b': return v(j.b);
    case 'diff': return !j.a || !j.b ? -Number.MAX_VALUE : def.id === 'verdict' ? (j.a.verdict === j.b.verdict ? 1 : 0) : num(j.b, def) - num(j.a, def);
    case 'pct': {
      if (!j.a || !j.b) return -Number.MAX_VALUE;
      const x = num(j.a, def), y = num(j.b, def);
      return x === 0 ? (y === x ? 0 : y < x ? -100 : 100) : ((y - x) * 100) / x;
    }
  }
}

const rowValue = (r: StatsRow, ref: StatRef): string | number =>
  ref.def.text && ref.def.id !== 'verdict' ? String(r[ref.def.id]) : num(r, ref.def);

// ---- filters ----

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Filter =
  | { kind: 'glob'; deny: boolean; file: string; prog: string | null }
  | { kind: 'stat'; deny: boolean; ref: StatRef; op: Op; value: number };

/** One -f expression; `@FILE` is expanded by the caller (filtersFromText). */
export function parseFilter(text: string): Filter {
  const deny = text.startsWith('!');
  const body = deny ? text.slice(1) : text;
  const m = body.match(/^([|\w]+)\s*(==|!=|<=|>=|<|>|=)\s*(\S+)$/);
  if (m) {
    const ref = parseStatRef(m[1]);
    const op = (m[2] === '=' ? '==' : m[2]) as Op;
    const value = ref.def.id === 'verdict' && m[3] in VERDICT_NUM ? VERDICT_NUM[m[3]] : Number(m[3]);
    if (!Number.isFinite(value)) throw new StatsError(`filter '${text}': '${m[3]}' is not a number`);
    return { kind: 'stat', deny, ref, op, value };
  }
  const slash = body.indexOf('/');
  return { kind: 'glob', deny, file: slash < 0 ? body : body.slice(0, slash), prog: slash < 0 ? null : body.slice(slash + 1) };
}

/** The filters of a filter file: one per line, `#` comments, `!` to deny. */
export function filtersFromText(text: string): Filter[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map(parseFilter);
}

/** veristat's glob: `*` matches any run of characters. */
export function globMatches(str: string, pat: string): boolean {
  const re = new RegExp('^' + pat.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(str);
}

const compare = (v: number, op: Op, w: number): boolean => {
  const eps = 1e-9;
  switch (op) {
    case '==': return v > w - eps && v < w + eps;
    case '!=': return v < w - eps || v > w + eps;
    case '<': return v < w - eps;
    case '<=': return v <= w + eps;
    case '>': return v > w + eps;
    case '>=': return v >= w - eps;
  }
};

/** Whether a program passes the glob filters (allow list, then deny list), as veristat's should_process_file_prog. */
export function globAllows(filters: readonly Filter[], file: string, prog: string | null): boolean {
  const globs = filters.filter((f): f is Extract<Filter, { kind: 'glob' }> => f.kind === 'glob');
  for (const f of globs.filter((g) => g.deny)) {
    if (!globMatches(file, f.file)) continue;
    if (f.prog === null || (prog !== null && globMatches(prog, f.prog))) return false;
  }
  const allow = globs.filter((g) => !g.deny);
  if (!allow.length) return true;
  return allow.some((f) => globMatches(file, f.file) && (f.prog === null || prog === null || globMatches(prog, f.prog)));
}

function statAllows(filters: readonly Filter[], value: (ref: StatRef) => string | number): boolean {
  const stats = filters.filter((f): f is Extract<Filter, { kind: 'stat' }> => f.kind === 'stat');
  const matched = (f: Extract<Filter, { kind: 'stat' }>): boolean => {
    const v = Number(value(f.ref));
    return compare(f.ref.abs ? Math.abs(v) : v, f.op, f.value);
  };
  if (stats.some((f) => f.deny && matched(f))) return false;
  const allow = stats.filter((f) => !f.deny);
  return !allow.length || allow.some(matched);
}

export const rowAllowed = (filters: readonly Filter[], r: StatsRow): boolean =>
  globAllows(filters, r.file, r.prog) && statAllows(filters, (ref) => rowValue(r, ref));

// ---- sort ----

export interface SortKey { ref: StatRef; asc: boolean }

/** -s SPEC: comma-separated stats, each ascending or descending as veristat sorts it by default; `:asc`/`:desc` to choose. */
export function parseSort(spec: string): SortKey[] {
  return spec.split(',').filter((s) => s.trim()).map((s) => {
    const m = s.trim().match(/^(.*?)(?::(asc|desc))?$/) as RegExpMatchArray;
    const ref = parseStatRef(m[1]);
    return { ref, asc: m[2] ? m[2] === 'asc' : ref.def.asc };
  });
}

function cmpValues(x: string | number, y: string | number, abs: boolean): number {
  if (typeof x === 'string' || typeof y === 'string') return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
  const a = abs ? Math.abs(x) : x, b = abs ? Math.abs(y) : y;
  return a === b ? 0 : a < b ? -1 : 1;
}

function sortBy<T extends { file: string; prog: string }>(items: T[], keys: readonly SortKey[], value: (t: T, ref: StatRef) => string | number): T[] {
  return [...items].sort((s, t) => {
    for (const k of keys) {
      const c = cmpValues(value(s, k.ref), value(t, k.ref), k.ref.abs);
      if (c !== 0) return k.asc ? c : -c;
    }
    return s.file < t.file ? -1 : s.file > t.file ? 1 : s.prog < t.prog ? -1 : s.prog > t.prog ? 1 : 0;
  });
}

export const sortRows = (rows: StatsRow[], keys: readonly SortKey[]): StatsRow[] => sortBy(rows, keys, rowValue);

// ---- output ----

const cell = (r: StatsRow, d: StatDef): string => String(r[d.id]);
const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** veristat's table: headers, a dashed underline, one line per row; strings left-, numbers right-aligned. */
function table(headers: string[], lines: string[][], text: boolean[]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[], forceLeft = false): string =>
    cells.map((c, i) => (text[i] || forceLeft ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  const under = w.map((n) => '-'.repeat(n)).join('  ');
  return [fmt(headers, true), under, ...lines.map((l) => fmt(l)), under].join('\n') + '\n';
}

export function formatRows(rows: readonly StatsRow[], format: 'table' | 'csv', columns?: readonly StatDef[]): string {
  const cols = columns ?? (format === 'csv' ? CSV_COLUMNS : TABLE_COLUMNS);
  if (format === 'csv') {
    return [cols.map((c) => c.names[0]).join(','), ...rows.map((r) => cols.map((c) => csvField(cell(r, c))).join(','))].join('\n') + '\n';
  }
  return table(cols.map((c) => c.header), rows.map((r) => cols.map((c) => cell(r, c))), cols.map((c) => c.text));
}

/** -e SPEC: the columns to print. */
export const parseColumns = (spec: string): StatDef[] => spec.split(',').filter((s) => s.trim()).map((s) => parseStatRef(s).def);

// ---- CSV input and comparison ----

/** Split one CSV line (quotes as csvField writes them). */
function csvCells(line: string): string[] {
  const out: string[] = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

const EMPTY_ROW: StatsRow = {
  file: '', prog: '', verdict: 'failure', duration: 0, totalInsns: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0,
  markRead: 0, progSize: 0, jitedSize: 0, progType: '', attachType: '', stackDepth: 0, memPeak: 0,
};

/** Rows of a veristat CSV (ours or veristat's own): the header names the columns. Errors name the line. */
export function parseStatsCsv(text: string, source: string): { columns: StatDef[]; rows: StatsRow[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length) throw csvError(source, 1, 'empty CSV: no header line');
  const columns = csvCells(lines[0]).map((n) => {
    try { return parseStatRef(n).def; } catch { throw csvError(source, 1, `unrecognized stat name '${n}' in the CSV header`); }
  });
  if (!columns.some((c) => c.id === 'file') || !columns.some((c) => c.id === 'prog')) throw csvError(source, 1, 'the CSV header needs file_name and prog_name');
  const rows = lines.slice(1).map((l, k) => {
    const cells = csvCells(l);
    if (cells.length !== columns.length) throw csvError(source, k + 2, `${cells.length} columns, the header has ${columns.length}`);
    const r: StatsRow = { ...EMPTY_ROW };
    columns.forEach((c, i) => {
      const v = cells[i];
      if (c.id === 'verdict') {
        if (v !== 'success' && v !== 'failure' && v !== 'unknown') throw csvError(source, k + 2, `unrecognized verification verdict '${v}'`);
        r.verdict = v;
      } else if (c.text) (r as unknown as Record<string, string>)[c.id] = v;
      else {
        if (!/^-?\d+$/.test(v.trim())) throw csvError(source, k + 2, `failed to parse '${v}' as integer (${c.names[0]})`);
        (r as unknown as Record<string, number>)[c.id] = Number(v);
      }
    });
    return r;
  });
  return { columns, rows };
}

/** Join two runs by file and program (a program in one run only has N/A on the other side). */
export function joinRuns(a: readonly StatsRow[], b: readonly StatsRow[]): Joined[] {
  const key = (r: StatsRow): string => `${r.file}\u0000${r.prog}`;
  const mb = new Map(b.map((r) => [key(r), r]));
  const out: Joined[] = a.map((r) => ({ file: r.file, prog: r.prog, a: r, b: mb.get(key(r)) ?? null }));
  const seen = new Set(a.map(key));
  for (const r of b) if (!seen.has(key(r))) out.push({ file: r.file, prog: r.prog, a: null, b: r });
  return out;
}

export const joinedAllowed = (filters: readonly Filter[], j: Joined): boolean =>
  globAllows(filters, j.file, j.prog) && statAllows(filters, (ref) => joinedValue(j, ref));

export const sortJoined = (rows: Joined[], keys: readonly SortKey[]): Joined[] => sortBy(rows, keys, joinedValue);

/** The three cells (A, B, DIFF) of a stat in a comparison, as veristat prints them. */
function compCells(j: Joined, d: StatDef): [string, string, string] {
  if (d.text) {
    const a = j.a ? cell(j.a, d) : 'N/A', b = j.b ? cell(j.b, d) : 'N/A';
    return [a, b, !j.a || !j.b ? 'N/A' : a === b ? 'MATCH' : 'MISMATCH'];
  }
  const a = j.a ? num(j.a, d) : 0, b = j.b ? num(j.b, d) : 0;
  if (!j.a || !j.b) return [j.a ? String(a) : 'N/A', j.b ? String(b) : 'N/A', 'N/A'];
  const diff = b - a;
  const pct = a === 0 ? (b === a ? 0 : b < a ? -100 : 100) : (diff * 100) / a;
  const sign = (x: number): string => (x >= 0 ? '+' : '');
  return [String(a), String(b), `${sign(diff)}${diff} (${sign(pct)}${pct.toFixed(2)}%)`];
}

/** A comparison (-C) in veristat's table or CSV: key columns once, each stat as A, B and DIFF. */
export function formatComparison(rows: readonly Joined[], format: 'table' | 'csv', columns: readonly StatDef[]): string {
  const key = (d: StatDef): boolean => d.id === 'file' || d.id === 'prog';
  const headers: string[] = [], text: boolean[] = [];
  for (const d of columns) {
    if (key(d)) { headers.push(format === 'csv' ? d.names[0] : d.header); text.push(true); continue; }
    const sfx = format === 'csv' ? ['_base', '_comp', '_diff'] : [' (A)', ' (B)', ' (DIFF)'];
    for (const s of sfx) { headers.push((format === 'csv' ? d.names[0] : d.header) + s); text.push(d.text); }
  }
  const lines = rows.map((j) => columns.flatMap((d) => (key(d) ? [d.id === 'file' ? j.file : j.prog] : compCells(j, d))));
  if (format === 'csv') return [headers.join(','), ...lines.map((l) => l.map(csvField).join(','))].join('\n') + '\n';
  return table(headers, lines, text);
}

/** The statistics lines of a verifier log (the kernel's, or the model's in the same format). */
export function statsFromLog(log: string): Pick<StatsRow, 'duration' | 'totalInsns' | 'totalStates' | 'peakStates' | 'maxStatesPerInsn' | 'markRead' | 'stackDepth'> {
  const out = { duration: 0, totalInsns: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, markRead: 0, stackDepth: 0 };
  for (const line of log.split('\n')) {
    let m = line.match(/^verification time (\d+) usec/);
    if (m) { out.duration = Number(m[1]); continue; }
    m = line.match(/^processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)/);
    if (m) {
      [out.totalInsns, out.maxStatesPerInsn, out.totalStates, out.peakStates, out.markRead] = m.slice(1, 6).map(Number);
      continue;
    }
    m = line.match(/^stack depth ([\d+]+)/);
    if (m) out.stackDepth = m[1].split('+').reduce((s, x) => s + Number(x || 0), 0);
  }
  return out;
}
