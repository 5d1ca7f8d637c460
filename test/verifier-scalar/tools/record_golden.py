#!/usr/bin/env python3
# Records golden verifier logs for test/verifier-scalar from the LIVE kernel
# (needs root / CAP_BPF). Programs are socket filters made of scalar-only
# instructions; the log_level 2 output is kept minus liveness/precision noise.
#   record_golden.py random SEED COUNT OUT.json   random programs
#   record_golden.py links SEED COUNT OUT.json    random programs rich in linked registers
#   record_golden.py ranges SEED COUNT OUT.json   random programs on registers bounded by jumps
#   record_golden.py stack SEED COUNT OUT.json    random programs that spill scalars and fill them narrower
#   record_golden.py cases IN.txt OUT.json        named programs ("# name" then lines)
# Not part of the test run: the tests only read the JSON it writes.
import ctypes, struct, sys, os, re, random, json
libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = 321
def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)
def load(insns, log_level=2, prog_type=1):
    prog = b''.join(insns)
    buf = ctypes.create_string_buffer(prog)
    lic = ctypes.create_string_buffer(b'GPL')
    logbuf = ctypes.create_string_buffer(1 << 20)
    attr = struct.pack('<IIQQIIQI', prog_type, len(prog)//8, ctypes.addressof(buf), ctypes.addressof(lic),
                       log_level, len(logbuf), ctypes.addressof(logbuf), 0)
    attr = attr + b'\0' * (144 - len(attr))
    a = ctypes.create_string_buffer(attr)
    fd = libc.syscall(SYS_bpf, 5, a, 144)
    err = ctypes.get_errno()
    if fd >= 0: os.close(fd)
    return fd, err, logbuf.value.decode()
ALU = {'+=':0x00,'-=':0x10,'*=':0x20,'/=':0x30,'|=':0x40,'&=':0x50,'<<=':0x60,'>>=':0x70,'%=':0x90,'^=':0xa0,'=':0xb0,'s>>=':0xc0,'s/=':0x30,'s%=':0x90}
JMP = {'==':0x10,'>':0x20,'>=':0x30,'&':0x40,'!=':0x50,'s>':0x60,'s>=':0x70,'<':0xa0,'<=':0xb0,'s<':0xc0,'s<=':0xd0}
def parse(line):
    line=line.strip()
    m = re.match(r'call (\d+)$', line)
    if m: return [insn(0x85,0,0,0,int(m.group(1)))]
    if line=='exit': return [insn(0x95)]
    m = re.match(r'([rw])(\d+) = -\1(\d+)$', line)   # neg
    if m: return [insn((0x07 if m.group(1)=='r' else 0x04)|0x80, int(m.group(2)))]
    m = re.match(r'([rw])(\d+) = (be|le|bswap)(\d+) \1\2$', line)
    if m:
        cls = 0x04; src = 0x08 if m.group(3)=='be' else 0
        if m.group(3)=='bswap': cls=0x07
        return [insn(0xd0|cls|src, int(m.group(2)),0,0,int(m.group(4)))]
    m = re.match(r'\*\(u64 \*\)\(r10 (-\d+)\) = r(\d+)$', line)
    if m: return [insn(0x7b, 10, int(m.group(2)), int(m.group(1)), 0)]
    m = re.match(r'r(\d+) = \*\(([us])(8|16|32|64) \*\)\(r10 (-\d+)\)$', line)
    if m:
        sz = {'8': 0x10, '16': 0x08, '32': 0x00, '64': 0x18}[m.group(3)]
        mode = 0x80 if m.group(2) == 's' else 0x60
        return [insn(0x01 | sz | mode, int(m.group(1)), 10, int(m.group(4)), 0)]
    m = re.match(r'r(\d+) = \(s(\d+)\)r(\d+)$', line)
    if m: return [insn(0xbf,int(m.group(1)),int(m.group(3)),int(m.group(2)),0)]
    m = re.match(r'w(\d+) = \(s(\d+)\)w(\d+)$', line)
    if m: return [insn(0xbc,int(m.group(1)),int(m.group(3)),int(m.group(2)),0)]
    m = re.match(r'r(\d+) = (0x[0-9a-f]+|-?\d+) ll$', line)
    if m:
        v = int(m.group(2),0) & (2**64-1)
        lo = v & 0xffffffff; hi = v >> 32
        s = lambda x: x-2**32 if x>=2**31 else x
        return [insn(0x18,int(m.group(1)),0,0,s(lo)), insn(0,0,0,0,s(hi))]
    m = re.match(r'if ([rw])(\d+) (\S+) (r\d+|w\d+|0x[0-9a-f]+|-?\d+) goto ([+-]?\d+)$', line)
    if m:
        cls = 0x05 if m.group(1)=='r' else 0x06
        op = JMP[m.group(3)]; b = m.group(4)
        if b[0] in 'rw': return [insn(cls|op|0x08, int(m.group(2)), int(b[1:]), int(m.group(5)), 0)]
        v=int(b,0); v = v-2**32 if v>=2**31 else v
        return [insn(cls|op, int(m.group(2)), 0, int(m.group(5)), v)]
    m = re.match(r'([rw])(\d+) (s>>=|s/=|s%=|\S+) (r\d+|w\d+|0x[0-9a-f]+|-?\d+)$', line)
    if m:
        cls = 0x07 if m.group(1)=='r' else 0x04
        op = ALU[m.group(3)]; off = 1 if m.group(3) in ('s/=','s%=') else 0
        b = m.group(4)
        if b[0] in 'rw': return [insn(cls|op|0x08, int(m.group(2)), int(b[1:]), off, 0)]
        v=int(b,0); v = v-2**32 if v>=2**31 else v
        return [insn(cls|op, int(m.group(2)), 0, off, v)]
    raise Exception('bad: '+line)
def run(src, show=True):
    ins=[]
    for l in src.strip().split('\n'):
        l=l.split('#')[0].strip()
        if l: ins += parse(l)
    fd, err, log = load(ins)
    if show:
        print('fd', fd, 'err', err)
        print('\n'.join(x for x in log.split('\n') if not x.startswith('      ') and not x.startswith('Live regs') and not x.startswith('func#')))
    return fd, err, log
IMMS = [0,1,2,3,4,5,7,8,15,16,31,32,63,64,100,127,128,255,256,0x7fff,0x8000,0xffff,0x10000,
        0x7fffffff,-1,-2,-3,-4,-8,-16,-100,-128,-256,-0x8000,-0x10000,-0x7fffffff,-0x80000000,
        0xff00,0xf0,0x0f,0x3c,0x1234,0xfffffff0]
def rimm(rng):
    if rng.random() < 0.8: return rng.choice(IMMS)
    return rng.randint(-2**31, 2**31-1)
def gen(rng, n, profile='mixed'):
    lines = ['call 7','r6 = r0','call 7','r7 = r0','call 7','r8 = r0','call 7','r9 = r0','r0 = 0']
    init = {0,6,7,8,9}
    scal = [6,7,8,9]
    # shaping: some masks and ranges first
    for r in scal:
        if profile == 'ranges':
            # bound the register on both sides with jumps to arbitrary constants
            for _ in range(rng.randint(1, 2)):
                w = 'r' if rng.random() < 0.6 else 'w'
                lines.append(f'if {w}{r} {rng.choice(["<",">","s<","s>","<=",">=","s<=","s>="])} {rimm(rng)} goto +0')
            continue
        c = rng.random()
        if c < 0.3: lines.append(f'r{r} &= {rng.choice([0xff,0xffff,0xf0,0x3f,0x7fffffff,0xfff,-8,0x1ff])}')
        elif c < 0.45: lines.append(f'r{r} s>>= {rng.choice([56,60,62,63,32])}')
        elif c < 0.55: lines.append(f'w{r} = w{r}')
    njmp = 0
    for i in range(n):
        regs = sorted(init - {0})
        d = rng.choice(regs + [rng.randint(1,5)])
        w = 'r' if rng.random() < 0.65 else 'w'
        c = rng.random()
        if d not in init:
            lines.append(f'r{d} = {rimm(rng)}' if rng.random()<0.5 else f'r{d} = r{rng.choice(regs)}')
            init.add(d); continue
        if profile == 'stack' and c < 0.4:
            # spill a scalar and fill it back with a narrower (sign-extending) load
            slot = -8 * rng.randint(1, 4)
            lines.append(f'*(u64 *)(r10 {slot}) = r{d}')
            sz = rng.choice(['8', '16', '32', '64'])
            sign = 's' if sz != '64' and rng.random() < 0.4 else 'u'
            dest = rng.choice(regs + [rng.randint(1, 5)])
            lines.append(f'r{dest} = *({sign}{sz} *)(r10 {slot})')
            init.add(dest)
            continue
        if profile == 'links' and c < 0.5:
            # linked registers: copies, small constant adds, then jumps on them
            k = rng.random()
            if k < 0.35: lines.append(f'{w}{rng.choice(regs)} = {w}{d}')
            elif k < 0.7: lines.append(f'{w}{d} {rng.choice(["+=","-="])} {rng.choice([1,2,3,4,8,100,-1,-5,0x7fffffff,-0x80000000])}')
            elif njmp < 6:
                njmp += 1
                op = rng.choice(['==','!=','>','>=','<','<=','s>','s>=','s<','s<=','&'])
                lines.append(f'if {w}{d} {op} {rng.choice([0,1,5,10,100,255,0x7fff,-1,-100])} goto +0')
            continue
        if c < 0.45:
            op = rng.choice(['+=','-=','*=','|=','&=','^=','+=','&=','/=','%=','s/=','s%='])
            if rng.random() < 0.5:
                k = rimm(rng)
                if op in ('/=','%=','s/=','s%=') and k == 0: k = 3
                lines.append(f'{w}{d} {op} {k}')
            else:
                lines.append(f'{w}{d} {op} {w}{rng.choice(regs)}')
        elif c < 0.6:
            op = rng.choice(['<<=','>>=','s>>='])
            if rng.random() < 0.8:
                lines.append(f'{w}{d} {op} {rng.randint(0, 63 if w=="r" else 31)}')
            else:
                lines.append(f'{w}{d} {op} {w}{rng.choice(regs)}')
        elif c < 0.65:
            lines.append(f'{w}{d} = -{w}{d}')
        elif c < 0.7:
            kind = rng.choice(['be','le','bswap'])
            lines.append(f'{"r" if kind=="bswap" else "w"}{d} = {kind}{rng.choice([16,32,64])} {"r" if kind=="bswap" else "w"}{d}')
        elif c < 0.76:
            s = rng.choice(regs)
            if w == 'r': lines.append(f'r{d} = (s{rng.choice([8,16,32])})r{s}')
            else: lines.append(f'w{d} = (s{rng.choice([8,16])})w{s}')
        elif c < 0.8:
            s = rng.choice(regs)
            lines.append(f'{w}{d} = {w}{s}')
        elif c < 0.82:
            lines.append(f'r{d} = {rng.choice([0x100000000, -0x100000000, 0x7fffffffffffffff, 0x123456789, -5])} ll')
        else:
            if njmp >= (0 if profile == 'stack' else 5): continue
            njmp += 1
            op = rng.choice(['==','!=','>','>=','<','<=','s>','s>=','s<','s<=','&'])
            if rng.random() < 0.6:
                lines.append(f'if {w}{d} {op} {rimm(rng)} goto +0')
            else:
                lines.append(f'if {w}{d} {op} {w}{rng.choice(regs)} goto +0')
    lines += ['r0 = 0','exit']
    return lines
def assemble(lines):
    ins=[]
    for l in lines: ins += parse(l)
    return ins
def keep(log):
    out=[]
    for l in log.split('\n'):
        if l.startswith(' ') or l.startswith('Live regs') or l.startswith('func#') or l.startswith('mark_precise') or l.startswith('processed') or not l: continue
        out.append(l)
    return out
def record(named):
    cases = []
    import struct
    for name, lines in named:
        ins = assemble(lines)
        fd, err, log = load(ins)
        if fd < 0:
            print('REJECTED', name, err, log.strip().split('\n')[-2:], file=sys.stderr)
            continue
        raw = [list(struct.unpack('<BBhi', x)) for x in ins]
        raw = [[c, r & 0xf, r >> 4, o, i] for c, r, o, i in raw]
        cases.append({'name': str(name), 'asm': lines, 'insns': raw, 'log': keep(log)})
    return cases
if __name__ == '__main__':
    mode = sys.argv[1]
    if mode in ('random', 'links', 'ranges', 'stack'):
        seed0, count, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        named = []
        for k in range(count):
            rng = random.Random(seed0 + k)
            named.append((seed0 + k, gen(rng, rng.randint(6, 18), {'random': 'mixed'}.get(mode, mode))))
    else:
        src, out = sys.argv[2], sys.argv[3]
        named = []
        for block in open(src).read().split('\n\n'):
            ls = [l.rstrip() for l in block.strip().split('\n') if l.strip()]
            if not ls: continue
            named.append((ls[0].lstrip('# ').strip(), [l for l in ls[1:] if not l.startswith('#')]))
    cases = record(named)
    json.dump({'kernel': open('/proc/sys/kernel/osrelease').read().strip(), 'cases': cases}, open(out, 'w'), indent=0)
    print('kept', len(cases), 'of', len(named))
