/**
 * The folder beside a model's files holding the snapshots of what provd generates for it
 * (the test target). An input of `test`, never of `build`, and never packaged: the build
 * drops it from the plugin folder, whatever the recipe copied.
 */
export const SNAPSHOT_DIR = '__provd__';

/** The optional file of custom test devices, in a family or model folder. */
export const PROVD_TEST_FILE = 'provd-test.json';
