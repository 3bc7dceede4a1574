/** What Nx Console shows as the technology of every target we infer. */
export const TECHNOLOGIES = ['provd'];
