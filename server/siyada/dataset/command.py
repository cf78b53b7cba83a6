"""`siyada dataset export`: the feedback store's reviews as a fine-tuning dataset.

Exit codes: 0 the dataset was written; 2 it was not (nothing to export, an `--out`
that is a file or a folder already holding files, a folder that cannot be written),
with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from siyada.dataset.card import CARD_MARKDOWN
from siyada.dataset.export import Dataset, NothingToExport, build_dataset
from siyada.dataset.files import CannotWrite, check_out_folder, write_dataset
from siyada.dataset.options import ExportOptions
from siyada.feedback.store import open_feedback
from siyada.i18n import _
from siyada.review.settings import Settings

EXIT_WRITTEN, EXIT_NOT_WRITTEN = 0, 2


def run_dataset(args: argparse.Namespace) -> int:
    options = ExportOptions(
        validation_fraction=args.validation_fraction,
        clean_sample=args.clean_sample,
        seed=args.seed,
        model=args.model,
    )
    try:
        check_out_folder(args.out, force=args.force)
        dataset = _read_store(options)
        write_dataset(dataset, args.out)
    except (NothingToExport, CannotWrite) as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_NOT_WRITTEN
    _tell(dataset, args.out)
    return EXIT_WRITTEN


def _read_store(options: ExportOptions) -> Dataset:
    # The store of the default cache folder, the one `siyada check` and an editor
    # without `siyada.cacheDir` write to.
    store = open_feedback(Settings())
    try:
        if store.problem is not None:
            print(f"siyada: {store.problem}", file=sys.stderr)
        return build_dataset(store.reviews(), list(store.events()), options)
    finally:
        store.close()


def _tell(dataset: Dataset, out: Path) -> None:
    counts = dataset.card.counts
    print(
        _(
            "Exported {examples} examples ({train} train, {validation} validation) from "
            "{reviews} reviews to {out}; the data card is {card}.",
            examples=counts.examples,
            train=counts.train,
            validation=counts.validation,
            reviews=counts.reviews_read,
            out=str(out),
            card=str(out / CARD_MARKDOWN),
        ),
        file=sys.stderr,
    )
    if counts.validation == 0 and dataset.card.options.validation_fraction > 0:
        print(
            _(
                "siyada: the validation set is empty: {examples} examples are too few for "
                "--validation-fraction {fraction}; review more code or raise the fraction",
                examples=counts.examples,
                fraction=dataset.card.options.validation_fraction,
            ),
            file=sys.stderr,
        )
