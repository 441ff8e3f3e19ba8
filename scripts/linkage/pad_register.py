"""Pads a generated citizens.csv to N people with people no holder can be: copies of existing rows with a
given name that is not Vietnamese (`Zed<k>`) and an id of province 096 (Cà Mau), which the generator never
uses (so no id typed on a certificate can hit one), keeping the century/sex and year digits. Every holder's
expected status stays as truth.json says.

  pad_register.py <citizens.csv> <N>
"""
import csv
import sys

path, target = sys.argv[1], int(sys.argv[2])
rows = list(csv.reader(open(path, encoding="utf-8")))
header, people = rows[0], rows[1:]
extra = []
k = 0
while len(people) + len(extra) < target:
    r = list(people[k % len(people)])
    words = r[1].split(" ")
    r[1] = " ".join(words[:-1] + [f"Zed{k}"])
    r[0] = "096" + r[0][3:6] + f"{k:06d}"
    extra.append(r)
    k += 1
with open(path, "a", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(extra)
print(f"{path}: {len(people)} + {len(extra)} people")
