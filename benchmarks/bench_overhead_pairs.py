"""Noise-robust variant of bench_overhead.py for a shared machine: alternating blocks of
1000 steps (PyTorch at one thread, then Ember), process CPU time, median of per-pair ratios.

    python benchmarks/bench_overhead_pairs.py [pairs]
"""
import os
import sys, time, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_overhead import make_state, train_step
import torch; torch.set_num_threads(1)
import ember
st = {lib: make_state(lib) for lib in (torch, ember)}
def block(lib, steps=1000):
    x, y, p = st[lib]
    t0 = time.process_time()
    for _ in range(steps): train_step(lib, x, y, p)
    return (time.process_time() - t0) / steps * 1e6
for lib in (torch, ember): block(lib, 300)
ratios, tt, et = [], [], []
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 12):
    t = block(torch); e = block(ember); ratios.append(t / e); tt.append(t); et.append(e)
print(f"median torch {statistics.median(tt):.1f} us, ember {statistics.median(et):.1f} us, median ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f} max {max(ratios):.2f})")
