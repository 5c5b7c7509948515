#!/usr/bin/env python3
"""Writes points.lp: the line-protocol input for the golden TSM fixture (see README.md).

Deterministic (fixed seed); every series targets one encoding path of InfluxDB 1.x's TSM blocks.
"""
import math
import random

rng = random.Random(20261124)
T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z, in ns
lines = []


def add(measurement, field, ts, values, fmt):
    for t, v in zip(ts, values):
        lines.append(f"{measurement} {field}={fmt(v)} {t}")


f = lambda v: repr(float(v))
i = lambda v: f"{v}i"
b = lambda v: "true" if v else "false"
s = lambda v: '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

# Floats: RLE timestamps (10 s apart → divisor 10^10), a few values.
add("float_rle_ts", "v", [T0 + k * 10_000_000_000 for k in range(5)], [1.5, 2.25, 2.25, -3.0, 1e300], f)
# Floats: irregular ms timestamps (simple8b, divisor 10^6), ±0, subnormals, extremes.
ts = [T0]
for _ in range(11):
    ts.append(ts[-1] + rng.randint(1, 5000) * 1_000_000)
add("float_edge", "v", ts, [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                            -1.7976931348623157e308, 1.0, 1.0, 0.1, -0.1, 123456.789], f)
# Floats: a realistic 2500-point series (blocks of 1000, 1000, 500), 10 s cadence with jitter-free
# gaps every 400 points, sine-ish sensor data rounded to 2 decimals.
ts = []
t = T0
for k in range(2500):
    t += 10_000_000_000 if k % 400 else 20_000_000_000
    ts.append(t)
add("float_big", "temp", ts, [round(20 + 5 * math.sin(k / 50) + rng.gauss(0, 0.3), 2) for k in range(2500)], f)
# Floats: random bit patterns (no NaN) in ns timestamps (divisor 1).
ts = [T0 + k * 1000 + rng.randint(0, 999) for k in range(300)]
vals = []
while len(vals) < 300:
    x = rng.uniform(-1e6, 1e6) * (10 ** rng.randint(-30, 30))
    vals.append(x)
add("float_random", "v", ts, vals, f)

# Integers: RLE values (constant delta), RLE timestamps.
add("int_rle", "v", [T0 + k * 1_000_000_000 for k in range(100)], [10 + 7 * k for k in range(100)], i)
# Integers: simple8b (random small deltas), runs of delta −1 (ZigZag 1) longer than 240, then a jump.
vals = [rng.randint(-1000, 1000) for _ in range(200)]
v = 5000
for _ in range(300):
    v -= 1
    vals.append(v)
vals += [10 ** 9, -(10 ** 9), 0, 1, 2]
add("int_s8b", "v", [T0 + k * 1_000_000_000 for k in range(len(vals))], vals, i)
# Integers: raw (ZigZag values above 2^60 − 1): min/max Int64.
add("int_raw", "v", [T0 + k for k in range(4)],
    [-9223372036854775808, 9223372036854775807, 0, -9223372036854775808], i)
# Integers: one value, two values.
add("int_one", "v", [T0], [42], i)
add("int_two", "v", [T0, T0 + 5], [-1, 1], i)
# Integers: a realistic counter, 1000 points.
c = 0
vals = []
for _ in range(1000):
    c += rng.randint(0, 5000)
    vals.append(c)
add("int_counter", "bytes", [T0 + k * 15_000_000_000 for k in range(1000)], vals, i)

# Timestamps: simple8b with runs of scaled delta 1 longer than the 240-value window, then gaps.
ts = [T0]
for k in range(700):
    ts.append(ts[-1] + (1_000_000_000 if k < 500 or k % 3 else 7_000_000_000))
add("ts_ones", "v", ts, [k % 5 for k in range(len(ts))], i)
# Timestamps: raw (a delta above 2^60 ns ≈ 36.5 years) — within one shard (see README).
add("ts_raw", "v", [100_000_000_000_000_000, 1_300_000_000_000_000_000, 1_350_000_000_000_000_000], [1, 2, 3], i)

# Booleans: 13 (partial last byte), 1000 random.
add("bool_small", "v", [T0 + k * 1_000_000_000 for k in range(13)], [k % 3 == 0 for k in range(13)], b)
add("bool_big", "v", [T0 + k * 1_000_000_000 for k in range(1000)], [rng.random() < 0.3 for k in range(1000)], b)

# Strings: short literal-only block; unicode, empty; long repetitive (Snappy copies); 1000 log lines.
add("str_short", "v", [T0, T0 + 1], ["a", "bc"], s)
add("str_mixed", "v", [T0 + k for k in range(6)], ["", "héllo wörld", "日本語テキスト", "", "emoji 🚀✨", "x" * 300], s)
levels = ["INFO", "WARN", "ERROR", "DEBUG"]
msgs = []
for k in range(1000):
    msgs.append(f"{levels[rng.randint(0, 3)]} request id={rng.randint(0, 10**6)} path=/api/v{rng.randint(1, 3)}/items status={rng.choice([200, 200, 200, 404, 500])}")
add("str_logs", "msg", [T0 + k * 1_000_000_000 for k in range(1000)], msgs, s)

# Strings: ~150 KB of plain text in one block (three 64 KiB Snappy pieces) with repeats far
# apart (copy offsets ≥ 2048 → copy-2 elements).
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
big = []
for k in range(1000):
    n = rng.randint(10, 30)
    big.append(" ".join(words[rng.randint(0, 9)] for _ in range(n)) + f" #{rng.randint(0, 10**9)}")
add("str_big", "v", [T0 + k * 1_000_000_000 for k in range(1000)], big, s)

open("points.lp", "w").write("\n".join(lines) + "\n")
print(len(lines), "points")
