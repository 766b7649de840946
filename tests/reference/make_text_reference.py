"""Reference figures for the sparse text path (tests/all/text_parity.rs).

    python3 -m venv /tmp/venv-text && /tmp/venv-text/bin/pip install -r tests/reference/requirements-text.txt
    /tmp/venv-text/bin/python tests/reference/make_text_reference.py

datasets/sentiment_amazon.csv, rows 0..749 for training and 750..999 for testing (no
shuffle), TfidfVectorizer with default settings and with ngram_range=(1, 2), min_df=2;
MultinomialNB(alpha=1), LogisticRegression(C=1, tol=1e-6, max_iter=1000),
LinearSVC(C=1). Writes the vocabulary size, every test prediction, the test accuracy,
and the ten words with the largest weight per class (NB: feature_log_prob_ of the class
minus the other class's; LR / LinearSVC: coef_[0] for the second class, its negation
for the first).
"""
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[2]
rows = list(csv.reader(open(ROOT / "datasets" / "sentiment_amazon.csv", encoding="utf-8")))[1:]
texts = [r[0] for r in rows]
classes = sorted(set(r[1] for r in rows))
y = np.array([classes.index(r[1]) for r in rows])
tr, te = np.arange(750), np.arange(750, 1000)

out = {"train": tr.tolist(), "test": te.tolist(), "classes": classes, "cases": []}
for setting, kw in [("default", {}), ("bigrams_min_df2", {"ngram_range": (1, 2), "min_df": 2})]:
    vec = TfidfVectorizer(**kw).fit([texts[i] for i in tr])
    xtr = vec.transform([texts[i] for i in tr])
    xte = vec.transform([texts[i] for i in te])
    names = vec.get_feature_names_out()
    for algo, model in [
        ("multinomial-nb", MultinomialNB(alpha=1.0)),
        ("logistic-regression", LogisticRegression(C=1.0, tol=1e-6, max_iter=1000)),
        ("linear-svm", LinearSVC(C=1.0)),
    ]:
        model.fit(xtr, y[tr])
        pred = model.predict(xte)
        if algo == "multinomial-nb":
            w1 = model.feature_log_prob_[1] - model.feature_log_prob_[0]
        else:
            w1 = model.coef_[0]
        top = {
            classes[0]: [str(names[j]) for j in np.argsort(w1, kind="stable")[:10]],
            classes[1]: [str(names[j]) for j in np.argsort(-w1, kind="stable")[:10]],
        }
        out["cases"].append({
            "setting": setting, "algo": algo, "vocabulary_size": len(names),
            "predictions": pred.tolist(), "accuracy": float(np.mean(pred == y[te])),
            "top_words": top,
        })
(Path(__file__).parent / "text_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote text_reference.json")
