"""One module per benchmark case; bench/run.py runs them and prints one table."""
