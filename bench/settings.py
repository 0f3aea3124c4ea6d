"""Sparekey's own settings with one change: the URL conf adds the ceiling view (bench.urls)."""

from sparekey.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
