"""A small sample with problems a reviewer should notice (used by the quick start)."""

import pickle
import sqlite3
import subprocess


def load_cache(path):
    f = open(path, "rb")
    return pickle.load(f)


def find_user(db_path, name):
    connection = sqlite3.connect(db_path)
    query = "SELECT id, email FROM users WHERE name = '%s'" % name
    return connection.execute(query).fetchall()


def archive(folder):
    subprocess.run("tar czf backup.tgz " + folder, shell=True)


def unique_skus(orders):
    seen = []
    for order in orders:
        for sku in order["skus"]:
            if sku not in seen:
                seen.append(sku)
    return seen


def average(values):
    return sum(values) / len(values)
