"""The ``renkei`` command. Exit codes: 0 = no error-severity check failed, 1 = at least one
did (or an expected failure went stale), 2 = usage/config/target problem or an interrupted run
(Ctrl-C, SIGTERM): one line, never a traceback.

Everything printed that came from a target (finding locations, values and messages, file names,
error messages) goes through ``_safe``: secrets masked, control characters escaped, and never
interpreted as rich markup.

This module is the composition root: it may import ``reports`` and ``mocks`` lazily; the
harness core never does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from renkei.harness import __version__
from renkei.harness.core import secret_registry
from renkei.harness.core.atomic import write_dir_with, write_with
from renkei.harness.core.console_text import console_safe
from renkei.harness.core.errors import RenkeiError, UsageError
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP, NOT_RUN, Outcome, RunResult
from renkei.harness.core.profiles import list_profiles, resolve
from renkei.harness.core.registry import REGISTRY
from renkei.harness.core.session import RunOptions
from renkei.harness.core.targets import get_kind, load_standards
from renkei.harness.runner import Interrupted, stopped_by
from renkei.harness.runner import execute as runner_execute
from renkei.harness.runner import safe as _safe

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="renkei (連携): conformance tests for OneRoster CSV/REST, LTI 1.3 and xAPI in Japan's schools.")
roster_app = typer.Typer(no_args_is_help=True, help="Japanese roster (OneRoster CSV) tools.")
lti_app = typer.Typer(no_args_is_help=True, help="LTI 1.3 helpers: keys and registration data.")
mocks_app = typer.Typer(no_args_is_help=True,
                        help="The mock ecosystem (校務支援 → 学習eポータル → 学習アプリ) on 127.0.0.1.")
app.add_typer(roster_app, name="roster")
app.add_typer(lti_app, name="lti")
keys_app = typer.Typer(no_args_is_help=True, help="Ed25519 key pairs for signing results (renkei sign / verify).")
app.add_typer(mocks_app, name="mocks")
app.add_typer(keys_app, name="keys")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

OUTCOME_STYLE = {
    Outcome.PASSED: "green", Outcome.FAILED: "bold red", Outcome.WARNING: "yellow",
    Outcome.SKIPPED: "dim", Outcome.ERROR: "bold magenta",
}


def execute(options: RunOptions, *, interactive: bool | None = None, quiet: bool = False,
            default_out: Callable[[str], Path] | None = None) -> RunResult:
    """``runner.execute`` with this module's console (which tests may replace)."""
    return runner_execute(options, interactive=interactive, quiet=quiet, default_out=default_out, console=err)


def _notices(result: RunResult) -> None:
    """What the reader must see first: the profile chosen by --profile auto, or a hint that it does not fit."""
    for n in result.notices:
        label = "HINT 注意" if n.kind == "profile-hint" else "PROFILE"
        out.print(f"[bold yellow]{label}[/] {n.text(result.lang)}", highlight=False)
        if result.lang == "ja":
            out.print(f"         {n.message}", highlight=False, markup=False)


def _summary(result: RunResult, out_dir: Path | None) -> None:
    lang = result.lang
    _notices(result)
    # What a reader must act on: checks that fail the run (incl. stale expected failures) and warnings.
    failing = [c for c in result.checks if c.gates or c.display_outcome == Outcome.WARNING.value]
    for c in failing[:30]:
        shown = c.display_outcome
        label = "STALE" if shown == "xpassed" else shown.upper()
        style = OUTCOME_STYLE.get(c.outcome, "bold red") if shown != "xpassed" else "bold red"
        hint = "  (listed as an expected failure but passed: remove it from the file)" if shown == "xpassed" else ""
        out.print(Text.assemble((f"{label:8}", style), f" {_safe(c.id)}  {_safe(c.title_for(lang))}  ",
                                (f"({c.findings_count})", "dim"), hint), highlight=False)
        for f in c.findings[:3]:
            val = f" = {f.value!r}" if f.value is not None else ""
            out.print(_safe(f"           {f.location.label()}: {f.text(lang)}{val}"), highlight=False, markup=False)
    if len(failing) > 30:
        out.print(f"... and {len(failing) - 30} more failing/warning checks (see the report)", markup=False)
    _verdict(result, out_dir)


def _verdict(result: RunResult, out_dir: Path | None) -> None:
    """The one summary line (and where the report is)."""
    s = result.summary
    verdict = ("PASS 合格", "bold green") if result.verdict == "pass" else ("FAIL 不合格", "bold red")
    out.print(Text.assemble(verdict, _safe(
        f"  {result.profile.id}: {s.passed} passed, {s.failed} failed, "
        f"{s.warnings} warnings, {s.skipped} skipped, {s.errors} errors"
        + (f", {s.expected_failures} expected failures" if s.expected_failures else "")
        + (f", {s.unexpected_passes} unexpected passes" if s.unexpected_passes else ""))), highlight=False)
    if out_dir is not None:
        out.print(_safe(f"report: {out_dir / 'report.html'}"), highlight=False, markup=False)


OUTPUT_FORMATS = ("text", "github")


def _github(result: RunResult, out_dir: Path | None) -> None:
    """``--format github``: the annotations, then the verdict line; the job summary if the runner asks.

    Every piece of target text is scrubbed of the run's secrets before it is escaped (the result
    model is already redacted); control characters left after GitHub's escaping are made visible."""
    from renkei.reports.ci_annotations import github_commands, step_summary

    scrub = secret_registry.active().scrub
    for line in github_commands(result, scrub):
        out.print(console_safe(line), highlight=False, markup=False, emoji=False)
    _verdict(result, out_dir)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        report = out_dir / "report.html" if out_dir is not None else None
        try:
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write(step_summary(result, scrub, report))
        except OSError as exc:  # the run is over and its reports are written: say so, keep the exit code
            err.print(_safe(f"renkei: cannot append the job summary to $GITHUB_STEP_SUMMARY ({summary_file}): "
                            f"{exc.strerror or exc}"), highlight=False, markup=False)


@app.command()
def run(
    profile: Annotated[str, typer.Option("--profile", "-p", help="profile id (see `renkei profiles`), a profile "
                                         "YAML, or auto: read it from the bundle")],
    target: Annotated[str, typer.Option("--target", "-t", help="bundle zip/folder, or target YAML")],
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="output folder")] = None,
    lang: Annotated[str, typer.Option("--lang", help="report language: ja or en")] = "ja",
    expected_failures: Annotated[str | None, typer.Option("--expected-failures", help="YAML of known failures")] = None,
    select: Annotated[str | None, typer.Option("--select", help="comma-separated globs of check ids")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="mask names, kana, email, phone, birth date")] = False,
    findings_cap: Annotated[int, typer.Option("--findings-cap", help="findings stored per check (all are counted)")]
    = DEFAULT_FINDINGS_CAP,
    product_name: Annotated[str | None, typer.Option("--product-name", help="the product under test (else the "
                                                     "target file's product.name)")] = None,
    product_version: Annotated[str | None, typer.Option("--product-version", help="its version")] = None,
    vendor: Annotated[str | None, typer.Option("--vendor", help="who makes it")] = None,
    role: Annotated[str | None, typer.Option("--role", help="provider, consumer, platform, tool, lrs or lrp "
                                             "(default: from the profile's kind)")] = None,
    sign_key: Annotated[Path | None, typer.Option("--sign-key", help="sign the result folder with this Ed25519 "
                                                  "private key when the run is over (see `renkei keys create`)")]
    = None,
    output_format: Annotated[str, typer.Option("--format", help="console output: text, or github (each finding "
                                               "as a GitHub Actions annotation, and a job summary when "
                                               "$GITHUB_STEP_SUMMARY is set)")] = "text",
) -> None:
    """Run a conformance profile and write result.json, junit.xml and report.html."""
    if output_format not in OUTPUT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not {output_format!r}")
    signer = _signing_key(sign_key) if sign_key is not None else None  # a bad key fails before the run
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    options = RunOptions(profile=profile, target=target, out_dir=out_dir, lang=lang,
                         expected_failures=expected_failures, select=select, redact=redact,
                         findings_cap=findings_cap, product_name=product_name, product_version=product_version,
                         vendor=vendor, role=role)
    # the default folder is named after the profile that runs (also one given by path, or chosen by auto)
    result = execute(options, default_out=lambda pid: Path("renkei-out") / f"{pid}-{stamp}")
    if result.interrupted:
        not_run = sum(1 for c in result.checks if c.error == NOT_RUN)
        raise Interrupted(stopped_by(), f"{not_run} of {len(result.checks)} checks did not run; "
                                       f"the reports in {options.out_dir} say the run was interrupted")
    if output_format == "github":
        _github(result, options.out_dir)
    else:
        _summary(result, options.out_dir)
    if signer is not None and options.out_dir is not None:
        _sign(options.out_dir, signer)
    raise typer.Exit(result.exit_code)


def _signing_key(path: Path) -> Any:
    from renkei.reports import signature

    try:
        return signature.load_private_key(path)
    except signature.SignatureError as exc:
        raise UsageError(str(exc)) from None


def _sign(folder: Path, key: Any) -> None:
    from renkei.reports import signature

    try:
        written = signature.sign_folder(folder, key)
    except signature.SignatureError as exc:
        raise UsageError(str(exc)) from None
    out.print(_safe(f"signed: {written} (key {signature.fingerprint(key.public_key())})"), highlight=False,
              markup=False)


@app.command()
def sign(
    result_dir: Annotated[Path, typer.Argument(help="a result folder (holding result.json)")],
    key: Annotated[Path, typer.Option("--key", help="Ed25519 private key (PEM), from `renkei keys create`")],
) -> None:
    """Sign a result folder: writes signature.json (the digest of every file, Ed25519)."""
    _sign(result_dir, _signing_key(key))


@app.command()
def verify(
    result_dir: Annotated[Path, typer.Argument(help="a signed result folder")],
    key: Annotated[Path | None, typer.Option("--key", help="the signer's public key (PEM)")] = None,
    keys: Annotated[Path | None, typer.Option("--keys", help="a keyring: a folder of *.pub files or a file of "
                                              "PEM public keys")] = None,
) -> None:
    """Check a signed result: exit 0 valid; 1 tampered (the file is named) or signed by a key you did not give;
    2 not signed or not checkable."""
    from renkei.reports import signature

    if (key is None) == (keys is None):
        raise UsageError("give the signer's public key with --key PUB or a keyring with --keys KEYRING (one of them)")
    try:
        trusted = signature.load_public_keys(key or keys)  # type: ignore[arg-type]
    except signature.SignatureError as exc:
        raise UsageError(str(exc)) from None
    verdict = signature.verify_folder(result_dir, trusted)
    label = {"valid": "valid", "tampered": "TAMPERED", "unknown_key": "UNKNOWN KEY", "unsigned": "not signed"}
    (out if verdict.exit_code == 0 else err).print(_safe(f"{label[verdict.status]}: {verdict.message}"),
                                                   highlight=False, markup=False)
    raise typer.Exit(verdict.exit_code)


@app.command()
def publish(
    results: Annotated[list[Path], typer.Argument(help="result folders (each holding result.json)")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="the site folder (created, or grown if it is a "
                                          "listing renkei wrote)")],
    keys: Annotated[Path | None, typer.Option("--keys", help="keyring (a folder of *.pub or a PEM file) to verify "
                                              "each result's signature")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the date expiry is judged at (YYYY-MM-DD; default "
                                              "today, UTC)")] = None,
    validity_months: Annotated[int, typer.Option("--validity-months", help="how long a result stays valid")] = 12,
    allow_unredacted: Annotated[bool, typer.Option("--allow-unredacted", help="also link reports written without "
                                                   "--redact (they may hold personal data)")] = False,
) -> None:
    """Build a static listing site (ja/en), an open-data feed (JSON + schema, CSV) and badges from results."""
    from renkei.reports import signature
    from renkei.reports.site.build import SiteError
    from renkei.reports.site.build import publish as build_site

    try:
        when = datetime.strptime(as_of, "%Y-%m-%d").replace(tzinfo=UTC) if as_of else None
    except ValueError:
        raise UsageError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    try:
        keyring = signature.load_public_keys(keys) if keys is not None else None
        done = build_site(results, out_dir, keyring=keyring, as_of=when, validity_months=validity_months,
                          allow_unredacted=allow_unredacted)
    except (SiteError, signature.SignatureError) as exc:
        raise UsageError(str(exc)) from None
    out.print(_safe(f"published {done.records} results ({done.new} new) to {done.site}; open "
                    f"{done.site / 'index.html'}"), highlight=False, markup=False)
    if done.withheld:
        out.print(_safe(f"{done.withheld} results are listed without their report: not written with --redact "
                        "(--allow-unredacted links them)"), highlight=False, markup=False)
    for problem in done.signature_problems:
        err.print(_safe(f"signature problem: {problem}"), highlight=False, markup=False)
    raise typer.Exit(1 if done.signature_problems else 0)


@keys_app.command("create")
def keys_create(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="folder for the key pair")] = Path("renkei-keys"),
    name: Annotated[str, typer.Option("--name", help="file name of the pair: NAME.key (private) and NAME.pub")]
    = "renkei-signing",
) -> None:
    """Create an Ed25519 key pair for signing results; publish NAME.pub, keep NAME.key secret."""
    from renkei.reports import signature

    try:
        private, public, fp = signature.create_keys(out_dir, name)
    except signature.SignatureError as exc:
        raise UsageError(str(exc)) from None
    for line in (f"private key: {private} (keep it secret; mode 0600)", f"public key:  {public} (publish it)",
                 f"fingerprint: {fp}"):
        out.print(_safe(line), highlight=False, markup=False)


@app.command()
def profiles() -> None:
    """List every profile: id, title (ja/en), standard, version, source document."""
    load_standards()
    for p in list_profiles():  # a vendor's own profile folder may hold any text: printed as text only
        out.print(Text.assemble((_safe(p.id), "bold"), _safe(f"  --target: {get_kind(p.kind).description}")),
                  highlight=False)
        for line in (f"  {p.title.ja}", f"  {p.title.en}", f"  standard: {p.standard}   version: {p.version}",
                     f"  source:   {p.source}"):
            out.print(_safe(line), highlight=False, markup=False)
        out.print()


@app.command()
def explain(check_id: Annotated[str, typer.Argument(help="a check id, e.g. or.users.required")]) -> None:
    """Print a check's requirement, severity and description in Japanese and English."""
    load_standards()
    d = REGISTRY.get(check_id)
    used = [p.id for p in list_profiles() if any(c.id == check_id for c in resolve(p))]
    out.print(Text.assemble((d.id, "bold"), f"  ({d.kind})"), highlight=False)
    out.print(f"requirement / 要件: {d.requirement}", highlight=False, markup=False)
    out.print(f"severity / 重大度: {d.severity.value}", highlight=False, markup=False)
    for title, description in ((d.title.ja, d.description.ja), (d.title.en, d.description.en)):
        out.print(Text.assemble("\n", (title, "bold"), "\n", description), highlight=False)
    if d.params:
        out.print(f"\nparameters: {d.params}", highlight=False, markup=False)
    out.print()
    out.print(f"profiles: {', '.join(used) or '-'}", highlight=False, markup=False)


@roster_app.command("generate")
def roster_generate(
    profile: Annotated[str, typer.Option("--profile", help="profile the bundle must pass")],
    out_file: Annotated[Path, typer.Option("--out", help="zip file to write (never overwritten without --force)")],
    municipalities: Annotated[int, typer.Option(min=1)] = 1,
    schools_per_municipality: Annotated[int, typer.Option(min=1)] = 2,
    students_per_grade: Annotated[int, typer.Option(min=1)] = 30,
    seed: Annotated[int, typer.Option()] = 0,
    school_year: Annotated[int, typer.Option(min=2000, max=2100)] = 2026,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing --out file")] = False,
) -> None:
    """Write a generated Japanese roster bundle (all people are fictitious).

    The zip appears whole or not at all: it is written next to ``--out`` and moved into place.
    """
    from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS, generate_bundle

    if profile not in PROFILE_VARIANTS:
        raise UsageError(f"unknown profile {profile!r} for roster generation "
                         f"(known: {', '.join(sorted(PROFILE_VARIANTS))})")
    if out_file.suffix.lower() != ".zip":
        raise UsageError(f"--out must name a .zip file, not {str(out_file)!r}")
    if out_file.is_dir():
        raise UsageError(f"--out {str(out_file)!r} is a folder; give the path of the zip file to write")
    stats: list[Any] = []
    try:
        write_with(out_file, lambda tmp: stats.append(generate_bundle(
            tmp, profile=profile, municipalities=municipalities, schools_per_municipality=schools_per_municipality,
            students_per_grade=students_per_grade, seed=seed, school_year=school_year)), overwrite=force)
    except FileExistsError:
        raise UsageError(f"--out {str(out_file)!r} already exists; give --force to overwrite it") from None
    except KeyboardInterrupt:
        raise Interrupted("Ctrl-C", f"nothing was written to {out_file}") from None
    except OSError as exc:
        raise UsageError(f"cannot write {str(out_file)!r}: {exc.strerror or exc}") from None
    done = stats[0]
    out.print(_safe(f"wrote {out_file}: {done.users} users, {done.enrollments} enrollments, "
                    f"{done.orgs} orgs, {done.classes} classes"), highlight=False, markup=False)


@roster_app.command("reference-set")
def roster_reference_set(
    profile: Annotated[str, typer.Option("--profile", help="OneRoster CSV profile the importer follows")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write (new or empty; see --force)")],
    seed: Annotated[int, typer.Option(help="same seed, same set, byte for byte")] = 0,
    school_year: Annotated[int, typer.Option(min=2000, max=2100)] = 2026,
    force: Annotated[bool, typer.Option("--force", help="replace a folder that already has files")] = False,
) -> None:
    """Write a consumer reference set: valid and invalid bundles, their expected outcomes, a log template.

    For the vendor of an importer (the 1EdTech consumer self-test shape). renkei runs the profile on
    every bundle before it is written; the folder appears whole or not at all.
    """
    from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS
    from renkei.mocks.school_affairs.reference_docs import write_documents
    from renkei.mocks.school_affairs.reference_set import ReferenceSet, build_reference_set

    if profile not in PROFILE_VARIANTS:
        raise UsageError(f"unknown profile {profile!r} for a reference set "
                         f"(known: {', '.join(sorted(PROFILE_VARIANTS))})")

    def verify(bundle: Path) -> RunResult:  # the composition root lends the mock the harness
        result = execute(RunOptions(profile=profile, target=str(bundle)), interactive=False, quiet=True)
        if result.interrupted:
            raise Interrupted(stopped_by())
        return result

    made: list[ReferenceSet] = []

    def produce(tmp: Path) -> None:
        made.append(build_reference_set(tmp, profile=profile, verify=verify, seed=seed, school_year=school_year))
        write_documents(tmp, made[0])

    try:
        write_dir_with(out_dir, produce, overwrite=force)
    except FileExistsError:
        raise UsageError(f"--out {str(out_dir)!r} already has files; give --force to replace it") from None
    except NotADirectoryError:
        raise UsageError(f"--out {str(out_dir)!r} exists and is not a folder") from None
    except (Interrupted, KeyboardInterrupt) as exc:
        how = exc.how if isinstance(exc, Interrupted) else "Ctrl-C"
        raise Interrupted(how, f"nothing was written to {out_dir}") from None
    except OSError as exc:
        raise UsageError(f"cannot write {str(out_dir)!r}: {exc.strerror or exc}") from None
    refset = made[0]
    kinds = [b.kind for b in refset.bundles]
    out.print(_safe(f"wrote {out_dir}: {kinds.count('valid')} valid and {kinds.count('invalid')} invalid bundles "
                    f"for {profile}, each verified with that profile"), highlight=False, markup=False)
    for b in refset.bundles:
        what = "import every file" if b.kind == "valid" else f"reject {', '.join(b.files_rejected)}"
        out.print(_safe(f"  {b.file:<44} {b.kind:<8} {what}"), highlight=False, markup=False)
    out.print(_safe("expected outcomes: expected.csv, expected.json; log for the vendor: "
                    "consumer-log-template.csv; how to use: README.md"), highlight=False, markup=False)


@lti_app.command("registration")
def lti_registration(
    target: Annotated[Path, typer.Option("--target", "-t", help="LTI target YAML (kind lti-tool or lti-platform)")],
) -> None:
    """Print exactly what to enter in the vendor's product to register renkei."""
    from renkei.harness.lti.registration import registration_text

    out.print(console_safe(registration_text(target), keep_newlines=True), highlight=False, markup=False, end="")


@lti_app.command("keys")
def lti_keys(
    target: Annotated[Path | None, typer.Option("--target", "-t", help="use this target's harness.keys_dir")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="key directory (instead of --target)")] = None,
    rotate: Annotated[bool, typer.Option("--rotate", help="add a new signing key; the old one stays published")] = False,
    pem: Annotated[bool, typer.Option("--pem", help="print the current public key as PEM (for a pasted key)")] = False,
) -> None:
    """Create (first time) or show renkei's persistent LTI signing keys: kid and public JWKS."""
    from renkei.harness.lti.registration import describe_keys_json, key_store, public_pem

    store = key_store(target=target, directory=directory)
    if rotate:
        store.rotate()
    out.print(public_pem(store) if pem else describe_keys_json(store), highlight=False, markup=False,
              end="" if pem else "\n")


def _click_error(exc: BaseException) -> str | None:
    """``"usage"``, ``"abort"`` or ``"help"`` for click's exceptions, else None.

    By class name along the MRO: typer ships its own copy of click (``typer._click``), so neither
    ``click.ClickException`` nor a private import would catch them across typer versions.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "NoArgsIsHelpError" in names:
        return "help"  # the help text is already printed
    if "Abort" in names:
        return "abort"
    return "usage" if "ClickException" in names and hasattr(exc, "format_message") else None


def _print_version(value: bool) -> None:
    if value:
        out.print(f"renkei {__version__}", highlight=False, markup=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Global options only (--version); the app's help text is the Typer's."""


@app.command()
def demo() -> None:
    """Run every profile against the built-in mocks, green and deliberately broken (about 30 s).

    Reports go to ./renkei-out/demo/ (replaced on each run); exit 0 when every run ended as expected.
    """
    from renkei.harness.demo import main as run_demo

    raise typer.Exit(run_demo())


@mocks_app.command("serve")
def mocks_serve(
    bundle: Annotated[Path | None, typer.Option(help="OneRoster bundle for the e-portal (default: generate one)")] = None,
    workdir: Annotated[Path | None, typer.Option(help="keys and generated roster (default: a temporary folder)")] = None,
    eportal_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8401,
    app_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8402,
    school_affairs_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8403,
    lrs_port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8404,
) -> None:
    """Serve the mock 校務支援システム (OneRoster 1.2 REST), 学習eポータル (roster pulled from it), its LRS
    (xAPI) and 学習アプリ until Ctrl-C; prints their URLs and the mocks' test credentials."""
    from renkei.mocks.__main__ import serve

    raise typer.Exit(serve(bundle=bundle, workdir=workdir, eportal_port=eportal_port, app_port=app_port,
                           school_affairs_port=school_affairs_port, lrs_port=lrs_port))


PORT_HELP = "0 picks a free port"
TAG_HELP = "the mocks image (default: renkei-mocks:<renkei's version>)"


@mocks_app.command("image")
def mocks_image(
    base: Annotated[str, typer.Option("--base", help="a local image with python3 of this renkei's Python version "
                                      "(nothing is pulled)")],
    tag: Annotated[str | None, typer.Option("--tag", help=TAG_HELP)] = None,
) -> None:
    """Build an image of the mock ecosystem from the installed renkei on BASE (it runs
    ``python3 -m renkei.mocks``); no registry, no network."""
    from renkei.harness.launch import mock_ecosystem
    from renkei.harness.launch.containers import docker_client

    tag = tag or mock_ecosystem.default_tag()
    image_id = mock_ecosystem.build(docker_client("renkei mocks image"), base, tag)
    out.print(_safe(f"built {tag} ({image_id[:19]}) from {base}"), highlight=False, markup=False)


@mocks_app.command("up")
def mocks_up(
    docker: Annotated[bool, typer.Option("--docker", help="run the ecosystem in a container (host network, "
                                         "127.0.0.1)")] = False,
    base: Annotated[str | None, typer.Option("--base", help="build the image from this base first "
                                             "(as renkei mocks image)")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help=TAG_HELP)] = None,
    bundle: Annotated[Path | None, typer.Option(help="OneRoster bundle for the e-portal (default: generate one); "
                                                "mounted read-only")] = None,
    workdir: Annotated[Path | None, typer.Option(help="a folder of this machine for the mocks' keys and generated "
                                                 "roster (default: inside the container)")] = None,
    eportal_port: Annotated[int, typer.Option(min=0, max=65535, help=PORT_HELP)] = 8401,
    app_port: Annotated[int, typer.Option(min=0, max=65535, help=PORT_HELP)] = 8402,
    school_affairs_port: Annotated[int, typer.Option(min=0, max=65535, help=PORT_HELP)] = 8403,
    lrs_port: Annotated[int, typer.Option(min=0, max=65535, help=PORT_HELP)] = 8404,
    timeout: Annotated[float, typer.Option(min=1, max=1800, help="seconds to wait until the mocks serve")] = 120,
) -> None:
    """Start the mock 校務支援システム, 学習eポータル, LRS and 学習アプリ in a container that keeps running
    (`renkei mocks down` removes it) and print what a vendor registers: URLs, client ids, test keys."""
    if not docker:
        raise UsageError("mocks up runs the ecosystem in a container: add --docker (or run `renkei mocks serve`)")
    from renkei.harness.launch import mock_ecosystem
    from renkei.harness.launch.containers import docker_client

    tag = tag or mock_ecosystem.default_tag()
    ports = {"eportal": eportal_port, "app": app_port, "school_affairs": school_affairs_port, "lrs": lrs_port}
    client = docker_client("renkei mocks up")
    mock_ecosystem.preflight(client, ports)  # before a build that may take a minute
    if base is not None:
        image_id = mock_ecosystem.build(client, base, tag)
        out.print(_safe(f"built {tag} ({image_id[:19]}) from {base}"), highlight=False, markup=False)
    started = mock_ecosystem.up(client, tag=tag, ports=ports, bundle=bundle, workdir=workdir, timeout=timeout)
    for line in started.lines:
        out.print(_safe(line), highlight=False, markup=False)
    out.print(_safe(f"container {started.name} ({started.image}, host network, 127.0.0.1 only); "
                    "`renkei mocks down` stops and removes it"), highlight=False, markup=False)


@mocks_app.command("down")
def mocks_down(
    logs: Annotated[Path | None, typer.Option(help="write the containers' logs to this file first "
                                              "(e.g. a CI artifact)")] = None,
) -> None:
    """Stop and remove the mock ecosystem's container (`renkei mocks up --docker`), and only it."""
    from renkei.harness.core.atomic import write_atomic
    from renkei.harness.launch import mock_ecosystem
    from renkei.harness.launch.containers import docker_client

    if logs is not None:  # said before anything is removed: the logs must not be lost
        if logs.is_dir():
            raise UsageError(f"--logs {logs} is a folder; give the path of the file to write")
        try:
            logs.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--logs {logs}: cannot create its folder ({exc.strerror or exc})") from None
        if not os.access(logs.parent, os.W_OK):
            raise UsageError(f"--logs {logs}: its folder is not writable")
    removed = mock_ecosystem.down(docker_client("renkei mocks down"))
    if logs is not None and removed:
        text = "".join(f"== {name} ==\n{log}" + ("" if log.endswith("\n") else "\n") for name, log in removed)
        try:
            write_atomic(logs, text.encode("utf-8", "backslashreplace"))
        except OSError as exc:
            raise UsageError(f"--logs {logs}: cannot write it ({exc.strerror or exc}); the containers are "
                             "removed") from None
    for name, _ in removed:
        out.print(_safe(f"removed {name}" + (f" (log: {logs})" if logs is not None else "")),
                  highlight=False, markup=False)
    if not removed:
        out.print("no mock container was running", highlight=False, markup=False)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps every user-caused error to exit 2 with one line."""
    try:
        # Without standalone mode click *returns* the code of a typer.Exit instead of raising it.
        code = app(args=argv, prog_name="renkei", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (Interrupted, KeyboardInterrupt) as exc:
        how = exc.how if isinstance(exc, Interrupted) else stopped_by()
        detail = f": {exc.detail}" if isinstance(exc, Interrupted) and exc.detail else ""
        err.print(_safe(f"renkei: interrupted by {how}{detail}"), highlight=False, markup=False)
        sys.exit(2)
    except RenkeiError as exc:
        err.print(_safe(f"renkei: error: {exc}"), highlight=False, markup=False)
        sys.exit(2)
    except Exception as exc:
        kind = _click_error(exc)
        if kind == "help":
            sys.exit(2)
        if kind == "abort":  # click's form of a Ctrl-C at a prompt or while parsing
            err.print("renkei: interrupted by Ctrl-C", highlight=False, markup=False)
            sys.exit(2)
        if kind == "usage":
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            err.print(_safe(f"renkei: error: {exc.format_message()}{hint}"), highlight=False, markup=False)  # type: ignore[attr-defined]
            sys.exit(2)
        err.print(_safe(f"renkei: internal error: {type(exc).__name__}: {exc} (please report this)"),
                  highlight=False, markup=False)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main", "execute", "__version__"]
