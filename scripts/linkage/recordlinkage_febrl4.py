"""FEBRL 4 with the Python recordlinkage toolkit, set up as its documentation does (blocking, comparisons,
an unsupervised classifier), on the same blocking keys as thuadat's mapping (scripts/linkage/febrl4.toml).

Usage: recordlinkage_febrl4.py <dataset4a.csv> <dataset4b.csv> <out.csv>
Prints the wall and CPU time (all threads of the process) of indexing + comparison + classification (reading the
files excluded)."""
import sys
import time

import pandas as pd
import recordlinkage

a_path, b_path, out = sys.argv[1:4]
read = lambda p: pd.read_csv(p, index_col="rec_id", dtype=str, skipinitialspace=True, keep_default_na=False)
a, b = read(a_path), read(b_path)
a.columns = [c.strip() for c in a.columns]
b.columns = [c.strip() for c in b.columns]

t, cpu = time.perf_counter(), time.process_time()
for d in (a, b):
    d["given_name_1"] = d["given_name"].str[:1]
    d["surname_1"] = d["surname"].str[:1]
indexer = recordlinkage.Index()
for key in [["surname", "given_name_1"], ["given_name", "surname_1"], "date_of_birth", "soc_sec_id", ["postcode", "street_number"]]:
    indexer.block(key)
pairs = indexer.index(a, b)

compare = recordlinkage.Compare()
compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
compare.exact("street_number", "street_number", label="street_number")
compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
compare.string("address_2", "address_2", method="jarowinkler", threshold=0.85, label="address_2")
compare.string("suburb", "suburb", method="jarowinkler", threshold=0.85, label="suburb")
compare.exact("postcode", "postcode", label="postcode")
compare.exact("state", "state", label="state")
compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
features = compare.compute(pairs, a, b)

classifier = recordlinkage.ECMClassifier(binarize=0.5)
links = classifier.fit_predict(features)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu

pd.DataFrame({"left_id": links.get_level_values(0), "right_id": links.get_level_values(1)}).to_csv(out, index=False)
print(f"recordlinkage {recordlinkage.__version__}: {len(pairs)} candidate pairs, {len(links)} links in {seconds:.3f} s (cpu {cpu:.3f} s)")
