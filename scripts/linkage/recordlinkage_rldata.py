"""RLdata10000 deduplicated with the Python recordlinkage toolkit, set up as its documentation does (blocking,
comparisons, an unsupervised classifier), on the same blocking keys as thuadat's mapping
(scripts/linkage/rldata10000.toml); ids are row numbers (1-based), as in thuadat's output.

Usage: recordlinkage_rldata.py <RLdata10000.tsv> <out.csv>
Prints the wall and CPU time of indexing + comparison + classification (reading the file excluded)."""
import sys
import time

import pandas as pd
import recordlinkage

path, out = sys.argv[1:3]
# "NA" (the second given and family names of most rows) is missing: compared as 0 (recordlinkage's default).
d = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=["NA"])
d.index = range(1, len(d) + 1)

t, cpu = time.perf_counter(), time.process_time()
d["birth"] = d["by"] + "-" + d["bm"].str.zfill(2) + "-" + d["bd"].str.zfill(2)
d["by_"] = d["by"]
d["fname_1"] = d["fname_c1"].str[:1]
d["lname_1"] = d["lname_c1"].str[:1]
indexer = recordlinkage.Index()
for key in [["fname_c1", "lname_1"], ["lname_c1", "fname_1"], "birth", ["lname_c1", "by_"]]:
    indexer.block(key)
pairs = indexer.index(d)

compare = recordlinkage.Compare()
for f in ["fname_c1", "fname_c2", "lname_c1", "lname_c2"]:
    compare.string(f, f, method="jarowinkler", threshold=0.85, label=f)
for f in ["by", "bm", "bd"]:
    compare.exact(f, f, label=f)
features = compare.compute(pairs, d)

classifier = recordlinkage.ECMClassifier(binarize=0.5)
links = classifier.fit_predict(features)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu

pd.DataFrame({"left_id": links.get_level_values(0), "right_id": links.get_level_values(1)}).to_csv(out, index=False)
print(f"recordlinkage {recordlinkage.__version__}: {len(pairs)} candidate pairs, {len(links)} links in {seconds:.3f} s (cpu {cpu:.3f} s)")
