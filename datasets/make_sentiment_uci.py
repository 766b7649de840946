#!/usr/bin/env python3
"""Write sentiment_imdb.csv and sentiment_yelp.csv from UCI "Sentiment Labelled Sentences".

The UCI data set (Kotzias, Denil, de Freitas & Smyth, KDD 2015; UCI ML
Repository data set 331, CC BY 4.0) has three files of 1,000 labelled
sentences each: amazon_cells_labelled.txt (already bundled as
sentiment_amazon.csv, see make_data.py), imdb_labelled.txt and
yelp_labelled.txt. Each line is `sentence TAB label` with label 0 or 1.

The files used for the committed CSVs are the copies in the public GitHub
repository 59161116/ir (commit abc8c7b7fd25328222337ec458b11cdb78347d00,
top-level amazon_cells_labelled.txt, imdb_labelled.txt, yelp_labelled.txt).
Before writing, this script checks that the amazon file of the same folder
holds exactly the sentences and labels of the bundled sentiment_amazon.csv
(which came by another route, an npm package), so the folder is an unedited
copy of the UCI files (other copies in circulation have quotes stripped or
sentences re-quoted).

Kept in the file's order; text whitespace-trimmed; 0 -> negative,
1 -> positive. No third-party packages are needed.

Usage:
    python3 make_sentiment_uci.py DIR_WITH_THE_THREE_TXT_FILES [--out DIR]
"""
import argparse
import csv
import os
import sys


def read_uci(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            text, sep, label = line.rpartition("\t")
            if not sep or label.strip() not in ("0", "1"):
                sys.exit(f"{path}:{n}: expected 'sentence TAB 0|1'")
            rows.append([text.strip(), {"0": "negative", "1": "positive"}[label.strip()]])
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("uci_dir")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    amazon = read_uci(os.path.join(a.uci_dir, "amazon_cells_labelled.txt"))
    with open(os.path.join(a.out, "sentiment_amazon.csv"), encoding="utf-8") as fh:
        bundled = [r for r in csv.reader(fh)][1:]
    if sorted(map(tuple, amazon)) != sorted(map(tuple, bundled)):
        sys.exit("amazon_cells_labelled.txt differs from the bundled sentiment_amazon.csv: "
                 "not an unedited copy of the UCI files")
    for part in ("imdb", "yelp"):
        rows = read_uci(os.path.join(a.uci_dir, f"{part}_labelled.txt"))
        assert len(rows) == 1000, (part, len(rows))
        labels = [r[1] for r in rows]
        assert labels.count("positive") == 500, part
        path = os.path.join(a.out, f"sentiment_{part}.csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["text", "target"])
            w.writerows(rows)
        print(f"sentiment_{part}.csv", len(rows), "rows,",
              len({r[0] for r in rows}), "distinct texts")


if __name__ == "__main__":
    main()
