"""CPU time of one page run after the first computation, per page, in one session (AppTest).

For each page: switch to it and run it (the first computation fills the caches), then rerun it
``--repeats`` times and report the process CPU time (all threads) and wall time of the cheapest
rerun. That is what every visit and every widget click costs once the results are cached, and
what eight sessions share two cores for. ``--profile PAGE`` prints the top functions of one such
rerun (cumulative time, ``cProfile``).

AppTest runs the page script as the server would (figures serialised, download files registered
with the media file manager) but sends nothing to a browser, so the figures leave out the
websocket and the browser's own work. The workspace is a fresh file in a temp folder.
Run: ``python bench/bench_rerun.py [--pages Overview Validation] [--repeats 3] [--profile Validation]``.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = {"Overview": "app_pages/overview.py", "Data": "app_pages/data_sources.py",
         "Model comparison": "app_pages/model_comparison.py", "Validation": "app_pages/validation.py",
         "Journeys & funnels": "app_pages/journeys_funnels.py", "Channel report": "app_pages/channel_report.py"}


def _timed_run(at) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    at.run()
    return time.process_time() - c0, time.perf_counter() - w0


def _profiled_run(at) -> cProfile.Profile:
    """One rerun with cProfile on the thread that runs the script (AppTest starts one per run)."""
    prof = cProfile.Profile()

    def start(*_args) -> None:
        sys.setprofile(None)
        prof.enable()

    threading.setprofile(start)
    try:
        at.run()
    finally:
        threading.setprofile(None)
    return prof


# where a rerun's time goes: label -> (module, attribute names; None for every public function)
PARTS = {
    "figure building": [("attribution.reports.figures", None), ("ui.charts_reports", None),
                        ("ui.charts_validation", None), ("ui.charts_mmm", None), ("ui.charts_identity", None)],
    "CSV bytes": [("attribution.reports.export", ("to_safe_csv",))],
    "Excel bytes": [("attribution.reports.export", ("to_excel",))],
    "st.plotly_chart": [("streamlit.elements.plotly_chart:PlotlyMixin", ("plotly_chart",))],
    "st.dataframe/table": [("streamlit.elements.arrow:ArrowMixin", ("dataframe",)),
                           ("streamlit.elements.table:TableMixin", ("table",))],
    "download buttons": [("streamlit.elements.widgets.button:ButtonMixin", ("download_button",))],
}


class Breakdown:
    """Wraps the functions of :data:`PARTS` to add up the CPU time of the thread that calls them
    (a part's nested calls are counted once). ``install`` also replaces the names other modules
    (and ``st``) imported, which pages and ui modules call."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(PARTS, 0.0)
        self._depth = threading.local()

    def _wrap(self, label: str, func):
        import functools

        @functools.wraps(func)
        def timed(*args, **kwargs):
            depth = getattr(self._depth, label, 0)
            setattr(self._depth, label, depth + 1)
            t0 = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                setattr(self._depth, label, depth)
                if depth == 0:
                    self.seconds[label] += time.thread_time() - t0
        return timed

    def install(self) -> None:
        import importlib
        import inspect

        import streamlit as st

        replaced = {}
        for label, targets in PARTS.items():
            for target, names in targets:
                module_name, _, cls_name = target.partition(":")
                try:
                    owner = importlib.import_module(module_name)
                except ImportError:
                    continue
                owner = getattr(owner, cls_name) if cls_name else owner
                for name in names or [n for n, f in vars(owner).items() if inspect.isfunction(f)
                                      and not n.startswith("_") and f.__module__ == module_name]:
                    func = vars(owner)[name]
                    wrapped = self._wrap(label, func)
                    setattr(owner, name, wrapped)
                    replaced[id(func)] = wrapped
        for module in [m for n, m in list(sys.modules.items()) if n.startswith(("ui.", "attribution."))]:
            for name, value in list(vars(module).items()):
                if id(value) in replaced:
                    setattr(module, name, replaced[id(value)])
        for name in ("plotly_chart", "dataframe", "table", "download_button"):  # st.x are bound methods
            bound = getattr(st, name)
            if id(bound.__func__) in replaced:
                setattr(st, name, replaced[id(bound.__func__)].__get__(bound.__self__))

    def reset(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--repeats", type=int, default=3, help="reruns per page (the cheapest is reported)")
    parser.add_argument("--profile", choices=list(PAGES), help="profile one rerun of this page")
    parser.add_argument("--breakdown", action="store_true",
                        help="profile one rerun per page and say where its time goes (profiling slows it)")
    parser.add_argument("--top", type=int, default=30, help="functions shown with --profile")
    args = parser.parse_args()
    os.environ["ATTRIBUTION_WORKSPACE"] = str(Path(tempfile.mkdtemp(prefix="bench_rerun_")) / "ws.duckdb")
    os.environ.pop("ATTRIBUTION_WORKSPACE_MODE", None)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    parts = None
    if args.breakdown:
        parts = Breakdown()
        parts.install()
    print(f"{'page':<20} {'first s':>8} {'rerun CPU s':>12} {'rerun wall s':>13}   (load {os.getloadavg()[0]:.1f})")
    for name in args.pages:
        at.switch_page(PAGES[name])
        _, first = _timed_run(at)
        errors = [e.value for e in at.exception]
        reruns = [_timed_run(at) for _ in range(max(1, args.repeats))]
        cpu, wall = min(reruns)
        print(f"{name:<20} {first:>8.2f} {cpu:>12.2f} {wall:>13.2f}" + (f"   errors: {errors}" if errors else ""))
        if parts is not None:
            parts.reset()
            cpu_run = _timed_run(at)[0]
            rest = cpu_run - sum(parts.seconds.values())
            print(f"    CPU {cpu_run:.2f}: " + ", ".join(f"{k} {v:.2f}" for k, v in parts.seconds.items()
                                                             if v >= 0.005) + f", rest {rest:.2f}")
        if name == args.profile:
            pstats.Stats(_profiled_run(at)).sort_stats("cumulative").print_stats(args.top)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
