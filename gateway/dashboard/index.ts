export { dashboardRoutes, type DashboardOptions } from './routes.js';
export { dashboardSnapshot, type DashboardSnapshot, type TransferRow } from './snapshot.js';
