/** Where a model folder keeps the firmware and language files provd offers to install (xivo-fetchfw reads pkgs/ of an installed plugin). */
export const PKGS_DB = 'pkgs/pkgs.db';
