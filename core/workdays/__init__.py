"""The working-day calendar: Chinese public holidays, make-up working days, tenant overrides."""
