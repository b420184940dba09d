"""Organisers' sign-in to the admin: throttling, two-factor codes, session timeouts.

- throttle.py  what django-axes counts failures by (username; network as a keyed hash),
               and the few password checks allowed to run at once
- forms.py     the admin login form: password, then the second factor when one is set up
- services.py  two-factor enrolment and backup codes (django-otp devices)
- site.py      the admin site that asks for the second factor and offers enrolment
- views.py     the two-factor page and the "too many attempts" page
- sessions.py  idle and absolute session timeouts
"""
