export const PLUGIN_NAME = '@provd/nx';
