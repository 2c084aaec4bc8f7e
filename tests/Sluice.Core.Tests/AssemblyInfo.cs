// Some CLI tests set SLUICE_CONFIG_DIR / SLUICE_STATE_DIR, which are process-wide: run the classes one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
