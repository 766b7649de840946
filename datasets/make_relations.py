#!/usr/bin/env python3
"""Write relations_train.txt and relations_test.txt: a template-made corpus
for relation extraction (the `relation-extraction` lab). CC0: every
sentence is generated here from our own templates and name lists.

One sentence per line, three tab-separated fields:
  tokens     words separated by single spaces
  entities   `start-end:TYPE` (token offsets, end exclusive), space-separated
  triples    `head>relation>tail` (entity indices), space-separated; `-` for none
Lines starting with `#` are comments.

The test file is not a copy of the training distribution: a quarter of every
name list and eight templates are held out of training, so half of the test
sentences use templates the models never saw, and most of them use names
that never occur in training. Some sentences carry two triples that share an
entity (overlap), and some mention two entities with no relation between
them (distractors with the same trigger words, e.g. "visited" next to
"born in"). Standard library only; deterministic for the seed.
"""
import random
import sys

SEED = 20261207
RELATIONS = ["founded_by", "works_for", "born_in", "located_in", "capital_of"]

GIVEN = """Anna Ben Carla David Elena Farid Grace Hugo Irene James Keiko Liam Maria
Nadia Omar Priya Quentin Rosa Samuel Tara Umar Vera Wei Xenia Yusuf Zoe Amir
Bianca Chen Dmitri Emma Felix Hana Ivan Julia Kofi Lena Marco""".split()
SURNAMES = """Adler Baker Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen
Kowalski Larsen Moreau Novak Okafor Petrov Quinn Rossi Silva Tanaka Ueda Vargas
Weber Xu Yilmaz Zhang Almeida Brennan Castillo Dahl Evans Fontaine""".split()
ORGS = """Maple_Airlines Northwind_Labs Bluefin_Robotics Greenfield_Bank
Orion_Software Zentrix Helix_Biotech Quarry_Foods Lumen_Energy Cobalt_Motors
Redwood_Press Polaris_Shipping Kestrel_Games Vantage_Insurance Aurora_Textiles
Summit_Pharma Tidewater_Logistics Ironbridge_Steel Nimbus_Cloud Saffron_Media
Granite_Capital Willow_Health Falcon_Aerospace Juniper_Networks_Group Cedar_Retail
Beacon_Analytics Meridian_Hotels Sterling_Chemicals Halcyon_Studios Obsidian_Security
Pioneer_Seeds Crescent_Telecom""".split()
CITIES = """Lyon Porto Osaka Leeds Kraków Valencia Hamburg Curitiba Pune Busan
Geelong Tampere Graz Bologna Eindhoven Gdańsk Malmö Córdoba Mombasa Surabaya
Calgary Denver Austin Glasgow Antwerp Basel Turin Seville Nagoya Chennai""".split()
CAPITALS = [("Paris", "France"), ("Berlin", "Germany"), ("Madrid", "Spain"),
            ("Rome", "Italy"), ("Lisbon", "Portugal"), ("Vienna", "Austria"),
            ("Warsaw", "Poland"), ("Oslo", "Norway"), ("Helsinki", "Finland"),
            ("Dublin", "Ireland"), ("Athens", "Greece"), ("Cairo", "Egypt"),
            ("Nairobi", "Kenya"), ("Tokyo", "Japan"), ("Seoul", "South_Korea"),
            ("Hanoi", "Vietnam"), ("Ottawa", "Canada"), ("Lima", "Peru"),
            ("Santiago", "Chile"), ("Canberra", "Australia"), ("Brasília", "Brazil"),
            ("Ankara", "Turkey"), ("Bern", "Switzerland"), ("Prague", "Czechia")]

# Slots: P person, O organisation, L city (any place), C capital, K its country.
# Each template: (text, [(head, relation, tail)]). Placeholders {P1} etc.
TRAIN_TEMPLATES = [
    ("{P1} founded {O1} in 1998 .", [("O1", "founded_by", "P1")]),
    ("{O1} was founded by {P1} .", [("O1", "founded_by", "P1")]),
    ("{O1} , started by {P1} , now employs thousands .", [("O1", "founded_by", "P1")]),
    ("The company {O1} was set up by {P1} and two friends .", [("O1", "founded_by", "P1")]),
    ("{P1} works for {O1} .", [("P1", "works_for", "O1")]),
    ("{P1} is an engineer at {O1} .", [("P1", "works_for", "O1")]),
    ("{O1} hired {P1} as chief economist last year .", [("P1", "works_for", "O1")]),
    ("{P1} , a spokesperson for {O1} , declined to comment .", [("P1", "works_for", "O1")]),
    ("{P1} was born in {L1} .", [("P1", "born_in", "L1")]),
    ("Born in {L1} , {P1} moved abroad at the age of ten .", [("P1", "born_in", "L1")]),
    ("{P1} grew up in {L1} , where she was born .", [("P1", "born_in", "L1")]),
    ("{P1} , a native of {L1} , studied physics .", [("P1", "born_in", "L1")]),
    ("{O1} is based in {L1} .", [("O1", "located_in", "L1")]),
    ("{O1} has its headquarters in {L1} .", [("O1", "located_in", "L1")]),
    ("The {L1} firm {O1} reported higher profits .", [("O1", "located_in", "L1")]),
    ("{C1} is the capital of {K1} .", [("C1", "capital_of", "K1")]),
    ("The government of {K1} sits in {C1} , its capital .", [("C1", "capital_of", "K1")]),
    ("{K1} moved parliament to its capital {C1} decades ago .", [("C1", "capital_of", "K1")]),
    # Overlap: two triples sharing one entity.
    ("{P1} , who was born in {L1} , works for {O1} .",
     [("P1", "born_in", "L1"), ("P1", "works_for", "O1")]),
    ("{P1} founded {O1} , which is based in {L2} .",
     [("O1", "founded_by", "P1"), ("O1", "located_in", "L2")]),
    ("{O1} , based in {L1} , hired {P1} .",
     [("O1", "located_in", "L1"), ("P1", "works_for", "O1")]),
    # Two relations between the same pair (the joint tags keep only one).
    ("{P1} founded {O1} and still works for it .",
     [("O1", "founded_by", "P1"), ("P1", "works_for", "O1")]),
    # Distractors: entities without a relation.
    ("{P1} visited {L1} last spring .", []),
    ("{P1} met {P2} in {L1} .", []),
    ("{O1} opened a small office in {L1} for the summer .", []),
    ("{P1} wrote a critical review of {O1} .", []),
    ("{P1} and {P2} spoke at a conference in {C1} .", []),
    ("{O1} competes with {O2} in {K1} .", []),
    ("{P1} flew from {L1} to {C1} .", []),
    ("{P1} praised {O1} , where her brother works .", []),
]
TEST_TEMPLATES = [
    ("{O1} traces its origins to {P1} , who founded it in a garage .", [("O1", "founded_by", "P1")]),
    ("{P1} joined {O1} as a data scientist .", [("P1", "works_for", "O1")]),
    ("{P1} was raised in {L1} , the city of her birth .", [("P1", "born_in", "L1")]),
    ("{O1} runs its main office out of {L1} .", [("O1", "located_in", "L1")]),
    ("{C1} , capital of {K1} , hosted the summit .", [("C1", "capital_of", "K1")]),
    ("{P1} , born in {L1} , founded {O1} .",
     [("P1", "born_in", "L1"), ("O1", "founded_by", "P1")]),
    ("{P1} left {L1} to visit {O1} .", []),
    ("{P1} sued {O1} in a court in {C1} .", []),
]


def split_names(items, rng):
    items = list(items)
    rng.shuffle(items)
    k = len(items) // 4
    return items[k:], items[:k]  # train pool, held-out pool


def main(outdir="."):
    rng = random.Random(SEED)
    pools = {}
    for key, items in [("given", GIVEN), ("surname", SURNAMES), ("org", ORGS),
                       ("city", CITIES), ("capital", CAPITALS)]:
        pools[key] = split_names(items, rng)

    def draw(key, test):
        train_pool, held = pools[key]
        pool = held if test and rng.random() < 0.6 else train_pool
        return rng.choice(pool)

    def fill(template, test):
        text, triples = template
        values = {}
        for slot in ["P1", "P2", "O1", "O2", "L1", "L2", "C1"]:
            if "{" + slot + "}" not in text and not (slot == "C1" and "{K1}" in text):
                continue
            while True:
                if slot[0] == "P":
                    v = draw("given", test) + " " + draw("surname", test)
                elif slot[0] == "O":
                    v = draw("org", test).replace("_", " ")
                elif slot[0] == "L":
                    # Any place: a city or a capital.
                    v = draw("city", test) if rng.random() < 0.7 else draw("capital", test)[0]
                else:
                    c, k = draw("capital", test)
                    v = c
                    values["K1"] = k.replace("_", " ")
                if v not in values.values():
                    values[slot] = v
                    break
        tokens, entities, slot_entity = [], [], {}
        for word in text.split():
            if word.startswith("{") and word.endswith("}"):
                slot = word[1:-1]
                name = values[slot].split()
                kind = {"P": "PER", "O": "ORG", "L": "LOC", "C": "LOC", "K": "LOC"}[slot[0]]
                slot_entity[slot] = len(entities)
                entities.append((len(tokens), len(tokens) + len(name), kind))
                tokens.extend(name)
            else:
                tokens.append(word)
        trip = [(slot_entity[h], r, slot_entity[t]) for h, r, t in triples]
        return tokens, entities, trip

    def draw_line(templates, test=True):
        tokens, entities, trip = fill(rng.choice(templates), test)
        ents = " ".join(f"{a}-{b}:{k}" for a, b, k in entities)
        tr = " ".join(f"{h}>{r}>{t}" for h, r, t in trip) or "-"
        return f"{' '.join(tokens)}\t{ents}\t{tr}"

    def write(path, n, templates, test):
        lines = [f"# {path}: generated by make_relations.py (seed {SEED}); CC0 1.0",
                 "# tokens<TAB>entities start-end:TYPE<TAB>triples head>relation>tail"]
        lines += [draw_line(templates, test) for _ in range(n)]
        with open(f"{outdir}/{path}", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    write("relations_train.txt", 600, TRAIN_TEMPLATES, False)
    # Test: 100 sentences from the training templates and 100 from the
    # held-out ones, shuffled together.
    body = [draw_line(TRAIN_TEMPLATES) for _ in range(100)]
    body += [draw_line(TEST_TEMPLATES) for _ in range(100)]
    rng.shuffle(body)
    header = [f"# relations_test.txt: generated by make_relations.py (seed {SEED}); CC0 1.0",
              "# tokens<TAB>entities start-end:TYPE<TAB>triples head>relation>tail",
              "# 100 sentences from the training templates, 100 from 8 held-out templates"]
    with open(f"{outdir}/relations_test.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(header + body) + "\n")

if __name__ == "__main__":
    main(*sys.argv[1:])
