"""Precision, recall and F1 of a links file (left_id,right_id[,probability]) against a benchmark's truth.

  evaluate.py febrl4 <links.csv>                 truth: the record number in rec_id (rec-123-org / rec-123-dup-0)
  evaluate.py rldata <links.csv> <identity.tsv>  truth: identity vector, one line per record (ids are row numbers)
"""
import csv
import sys
from collections import Counter

kind, links = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(links)))
if kind == "febrl4":
    key = lambda s: s.split("-")[1]
    true = 5000
    tp = sum(1 for r in rows if key(r["left_id"]) == key(r["right_id"]))
else:
    ids = [l.strip() for l in open(sys.argv[3])][1:]
    true = sum(n * (n - 1) // 2 for n in Counter(ids).values())
    tp = sum(1 for r in rows if ids[int(r["left_id"]) - 1] == ids[int(r["right_id"]) - 1])
p = tp / len(rows) if rows else 0.0
r = tp / true
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(f"{len(rows)} links, {tp} true of {true}: precision {p:.4f} recall {r:.4f} F1 {f1:.4f}")
