"""Test support shared by every app's tests: the fixed personas (`personas`) and the
Playwright page on Debian's Chromium (`browser`). Valid identifiers and sample files come
from the demo app (`ciic.demo.identifiers`, `ciic.demo.samples`), which seeds with them too.
Only tests and conftest modules import this package."""
