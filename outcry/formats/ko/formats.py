"""Korean formats: Django's, with the time in Korean order (오후 11:59, not 11:59 오후)."""

from django.conf.locale.ko.formats import *  # noqa: F403 (every other format stays Django's)

DATETIME_FORMAT = "Y년 n월 j일 A g:i"
TIME_FORMAT = "A g:i"
