"""Test support: builders for realistic inputs and local servers that stand in for remote services."""
