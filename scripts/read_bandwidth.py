#!/usr/bin/env python3
"""Memory read bandwidth of this machine, for the decode floor of benchmarks/README.md.

Sums a 512 MiB float32 tensor (far larger than any cache) with PyTorch on N threads and prints
the median and best of R repeats as `read_GBps_median X` and `read_GBps_best Y`. The decode floor
is then (bytes of weights per token) / bandwidth. Run it right before and after `./llm bench`:
the shared VM's bandwidth moves between runs.
"""
import argparse
import time

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=11)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.ones(128 << 20)
    x.sum()  # warm-up: pages touched, threads started
    rates = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        x.sum()
        rates.append(x.numel() * 4 / (time.perf_counter() - t0) / 1e9)
    rates.sort()
    print(f"read_GBps_median {rates[len(rates) // 2]:.1f}")
    print(f"read_GBps_best {rates[-1]:.1f}")


if __name__ == "__main__":
    main()
