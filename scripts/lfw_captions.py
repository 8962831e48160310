#!/usr/bin/env python3
"""Copies LFW images into a folder and writes a press-style caption into each.

    scripts/lfw_captions.py LFW_IMAGES OUT [--seed N]

The caption of <Name>/<Name>_NNNN.jpg names the pictured person (the folder
name, underscores as spaces) and distractors: another LFW person picked at
random and a place, in one of several templates ("Prime Minister X", "Mr.", ...). No "(L)"/"(R)"
hints: which side of an LFW photo its person stands on is not known here, and
a wrong hint would count against the right name. The copies are what `facetag bench discover` measures name
suggestions on: the identities are read back from the folder names only for
scoring. The originals are never written (the data folder is read-only).
Needs exiftool (one process for all files, via -csv).
"""
import argparse
import csv
import os
import random
import shutil
import stat
import subprocess
import sys

PLACES = ["Paris", "Washington", "New York", "Brussels", "Geneva", "Baghdad", "London",
          "Madrid", "Tokyo", "Moscow", "Los Angeles", "Buenos Aires", "Berlin", "Kabul",
          "Jerusalem", "Rome", "Mexico City", "Sydney", "Toronto", "Seoul"]
EVENTS = ["a news conference", "a summit", "a ceremony", "a meeting", "a rally",
          "a premiere", "a match", "talks"]
ROLES = ["Prime Minister", "President", "Secretary General", "Coach", "Senator", "Minister"]

TEMPLATES = [
    "{p} speaks during {e} in {place}.",
    "{p} talks with {d} during {e} in {place}.",
    "{role} {d} listens as {p} speaks at {e} in {place}.",
    "{d} and {p} arrive for {e} in {place}, Monday.",
    "{p} gestures at {e} in {place} with {d}.",
    "{place} - {p} reacts during {e}. {d} attended the event.",
    "Mr. {d} welcomed {p} to {e} in {place}.",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = sorted(d for d in os.listdir(args.images)
                   if os.path.isdir(os.path.join(args.images, d)))
    if not names:
        sys.exit(f"lfw_captions: no person folders in {args.images}")
    rows = []
    for folder in names:
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
        person = folder.replace("_", " ")
        for image in sorted(os.listdir(os.path.join(args.images, folder))):
            target = os.path.join(args.out, folder, image)
            shutil.copyfile(os.path.join(args.images, folder, image), target)
            os.chmod(target, os.stat(target).st_mode | stat.S_IWUSR)
            distractor = person
            while distractor == person:
                distractor = rng.choice(names).replace("_", " ")
            caption = rng.choice(TEMPLATES).format(
                p=person, d=distractor, place=rng.choice(PLACES), e=rng.choice(EVENTS),
                role=rng.choice(ROLES))
            rows.append((target, caption))
    csv_path = os.path.join(args.out, "captions.csv")
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["SourceFile", "XMP-dc:Description"])
        writer.writerows(rows)
    subprocess.run(["exiftool", "-r", "-q", "-overwrite_original", "-charset", "utf8",
                    f"-csv={csv_path}", args.out], check=True)
    os.remove(csv_path)
    print(f"{len(rows)} captioned copies in {args.out}")


if __name__ == "__main__":
    main()
