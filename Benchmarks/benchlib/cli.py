"""The command lines of the benchmark scripts."""
import argparse

ROUTER_HELP = "causal-router binary (default: .build/release, else .build/debug)"


def parser(doc):
    """An argument parser whose --help prints the script's docstring as written."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def add_router_option(parser):
    """--router PATH, resolved by benchlib.paths.router_binary (release build, else debug)."""
    parser.add_argument("--router", default=None, help=ROUTER_HELP)
