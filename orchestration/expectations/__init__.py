"""Great Expectations suites for the raw tables (see suites.py)."""

from orchestration.expectations.suites import SUITE_TABLES, BatchValidation, Rule, suite_rules, validate_batch

__all__ = ["SUITE_TABLES", "BatchValidation", "Rule", "suite_rules", "validate_batch"]
