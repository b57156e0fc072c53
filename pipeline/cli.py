"""Command line: ``python -m pipeline SUBCOMMAND``.

Errors print one line (``error: <what and where>``) and exit non-zero; ``--debug`` shows the
traceback instead.  Exit codes: 0 done; 1 an input or run error (a :class:`PipelineError`), or the
machine refused (an OSError: disk full, no permission; a MemoryError); 2 a config error (and
argparse's usage errors); 70 an unexpected error, a bug; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).  Logs and progress go to
stderr, results to files (or stdout for ``repair``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InputError, PipelineError, Terminated, shown

EXIT_ENVIRONMENT = 1  # an OSError or MemoryError: disk full, no permission, out of memory
EXIT_INTERNAL = 70  # an unexpected error (a bug: please report it with the --debug traceback); sysexits EX_SOFTWARE


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or log lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Arabic policy-text analysis: repair, normalise, tokenise, themes, stakeholder positions.",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser(
        "run",
        help="run the pipeline described by a config file",
        description="run the pipeline described by a config file",
    )
    p.add_argument("--config", required=True, type=Path, help="YAML config (e.g. configs/default.yaml)")
    p.add_argument("--refit", action="store_true", help="refit the corpus-level models (the cold-run result)")
    _add_common(p)

    p = sub.add_parser(
        "repair",
        help="repair PDF-damaged Arabic text: files (or stdin) to stdout, lines kept",
        description="repair PDF-damaged Arabic text: files (or stdin) to stdout, lines kept",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="files read as the ingest stage reads them (text in any common encoding, .md, .pdf, .docx, .html); none or - = stdin",
    )
    p.add_argument("--config", type=Path, help="take the repair options from this config's stages.repair")
    _add_common(p)

    p = sub.add_parser(
        "check-config",
        help="validate a config file and print its stages",
        description="validate a config file and print its stages",
    )
    p.add_argument("--config", required=True, type=Path, help="YAML config to validate (e.g. configs/default.yaml)")
    _add_common(p)

    p = sub.add_parser(
        "evaluate-themes",
        help="score a run's themes against gold labels (per-theme P/R/F1/AUROC)",
        description="score a run's themes against gold labels (per-theme P/R/F1/AUROC)",
    )
    p.add_argument("--gold", required=True, type=Path, help='JSONL of {"unit_id": ..., "themes": [...]}')
    p.add_argument(
        "--config",
        type=Path,
        default=Path("configs/default.yaml"),
        help="the config whose run (its output folder) to score (default: %(default)s)",
    )
    _add_common(p)

    p = sub.add_parser(
        "reanalyse",
        help="incremental re-run for schedules: reuse unchanged documents",
        description="incremental re-run for schedules: reuse unchanged documents",
    )
    p.add_argument(
        "--config", required=True, type=Path, help="YAML config of the runs to continue (e.g. configs/default.yaml)"
    )
    p.add_argument("--refit", action="store_true", help="refit the corpus-level models (the cold-run result)")
    _add_common(p)

    p = sub.add_parser(
        "history",
        help="how theme shares and positions moved across runs",
        description="how theme shares and positions moved across runs",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="YAML config whose output folder holds the runs")
    where.add_argument(
        "--output", type=Path, help="an output folder (e.g. one that pipeline.analyse(output=...) wrote)"
    )
    _add_common(p)
    return parser


# A run that published its results but could not read some documents: not 0, so that a scheduler
# (cron, systemd) notices; not 1, which means nothing was published.
EXIT_SOME_FAILED = 3


def _print_summary(lines: Iterable[str], failed: list[str]) -> None:
    """Print a run's summary lines to stdout.  Its failed documents are on stderr already (problems go
    there, whatever stdout is redirected to): when both streams are one terminal, the summary counts them
    instead of listing them a second time."""
    same_terminal = sys.stdout.isatty() and sys.stderr.isatty()
    for line in lines:
        if same_terminal and line.startswith("failed: "):
            if line == f"failed: {failed[0]}":
                print(f"failed: {len(failed)} document{'s' if len(failed) > 1 else ''} (listed above)")
            continue
        print(line)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.run import runner

    config = config_module.load(args.config)
    summary = runner.run(config, quiet=args.quiet, refit=args.refit)
    _print_summary(summary.lines(), summary.failed)
    return EXIT_SOME_FAILED if summary.failed else 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.run.commit import file_in_the_way, not_a_folder

    config = config_module.load(args.config)
    blocker = file_in_the_way(Path(config.output))  # what run would find, found without writing anything
    if blocker is not None:
        raise not_a_folder(Path(config.output), blocker)
    print(f"{args.config}: ok: name={config.name} corpus={config.corpus} output={config.output}")
    for slot, spec in config.stages.items():
        options = ", ".join(f"{key}={value}" for key, value in spec.options.items())  # paths as written out
        print(f"  {slot}: {spec.impl}{f' ({options})' if options else ''}")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.stages.ingest import FileIngestor
    from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair

    options = {}
    if args.config is not None:
        spec = config_module.load(args.config).stages.get("repair")
        options = dict(spec.options) if spec else {}
    # read as the ingest stage reads (any encoding; PDF, .docx, HTML, Markdown), before repair; «-» (the
    # Unix convention) or no file is stdin, one document too, read whole: a per-document calibration (a
    # font's ligature set, visual order) needs all of it; line by line it found no ligature set at all
    reader = FileIngestor(min_arabic_letters=0, fix_mojibake=False)
    sources, failed = [], 0
    for path in args.files or [Path("-")]:
        try:
            sources.append(sys.stdin.read() if str(path) == "-" else reader.read(path).text)
        except InputError as exc:  # as cat does: say it, repair the others, exit 1
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    # Each document: the repairer calibrates on all of it, then repairs it line by line.
    repaired = (
        line
        for text in sources
        for repairer in (PdfArtefactRepair(**options).fit(text),)
        # lines end at «\n» only: str.splitlines also cuts at U+0085, which cp1252/latin-1 mojibake holds
        for line in text.removesuffix("\n").split("\n")
        for line in (repairer.repair(line.removesuffix("\r")),)
    )
    from pipeline.stages.normalise import farsi_yeh_as_arabic

    out = sys.stdout
    for line in repaired:
        # the letters a run's units show: the normalise stage reads a Persian-keyboard yeh as Arabic,
        # and a byte-order mark inside a file (files concatenated) is no text (spacing is kept here)
        out.write(farsi_yeh_as_arabic(line).replace("\ufeff", ""))
        out.write("\n")
    out.flush()
    return 1 if failed else 0


def cmd_evaluate_themes(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.evaluate.themes import evaluate_run

    config = config_module.load(args.config)
    print(evaluate_run(config.output, args.gold))
    return 0


def cmd_reanalyse(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.run import runner

    config = config_module.load(args.config)
    summary = runner.reanalyse_summary(config, quiet=args.quiet, refit=args.refit)
    if summary.unchanged:  # nothing was read again, so nothing logged them: the failures of the kept run
        for failure in summary.failed:
            print(f"failed: {failure} (as before)", file=sys.stderr)
    _print_summary(runner.reanalyse_lines(summary, config), summary.failed)
    return EXIT_SOME_FAILED if summary.failed else 0


def cmd_history(args: argparse.Namespace) -> int:
    from pipeline import config as config_module
    from pipeline.run import history

    if args.output is not None and not args.output.is_dir():
        raise PipelineError(f"{args.output}: no such output folder")
    folder = args.output if args.output is not None else config_module.load(args.config).output
    print(history.describe(folder))
    return 0


COMMANDS = {
    "run": cmd_run,
    "repair": cmd_repair,
    "check-config": cmd_check_config,
    "evaluate-themes": cmd_evaluate_themes,
    "reanalyse": cmd_reanalyse,
    "history": cmd_history,
}


def _terminate_like_interrupt() -> None:
    """SIGTERM (systemd's stop, a scheduler's timeout) unwinds the run as Ctrl-C does: no partial
    folder or lock left behind, the run in the history as interrupted, exit 143 with one line."""
    import signal
    import threading

    def stop(signum: int, frame: object) -> None:
        raise Terminated()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from pipeline import logs

    logs.configure(quiet=args.quiet)
    _terminate_like_interrupt()
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        if args.debug:
            raise
        for line in str(exc).splitlines() or [""]:  # a config lists every mistake, one line each
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print("terminated (SIGTERM)" if terminated else "interrupted", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # anything else is still one line; --debug shows where
        if args.debug:
            raise
        environment = isinstance(exc, OSError | MemoryError)  # the machine, not the pipeline: disk, permissions
        kind = "" if environment else "internal error: "
        text = " ".join(str(exc).split()) or "no message"
        print(
            f"error: {kind}{type(exc).__name__}: {shown(text, 300, quote=False)} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_ENVIRONMENT if environment else EXIT_INTERNAL
