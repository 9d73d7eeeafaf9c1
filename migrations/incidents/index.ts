import { IncidentsInitial1763900000000 } from './1763900000000-IncidentsInitial';

/** incidents' migrations, oldest first. */
export const incidentsMigrations = [IncidentsInitial1763900000000];
