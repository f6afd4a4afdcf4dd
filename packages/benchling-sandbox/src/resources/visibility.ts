import type { Snapshot } from '../store/tenant-store.js';
import type { UserRecord } from '../store/types.js';

/**
 * What one user may see, as in Benchling: projects they are a member of (admins: all), and everything filed in
 * those projects' folders. Schemas are tenant-wide. Entities created straight into the registry (no folder) are
 * visible to every user of the tenant.
 */
export class Visibility {
  private readonly projects: Set<string> | 'all';

  constructor(
    readonly user: UserRecord,
    private readonly snapshot: Snapshot,
  ) {
    this.projects = user.projectIds === 'all' ? 'all' : new Set(user.projectIds);
  }

  project(projectId: string): boolean {
    if (!this.snapshot.get('projects', projectId)) return false;
    return this.projects === 'all' || this.projects.has(projectId);
  }

  folder(folderId: string): boolean {
    const folder = this.snapshot.get('folders', folderId);
    return folder !== undefined && this.project(folder.projectId);
  }

  /** Entries and entities alike: visible through their folder, or (registry-only entities) to everyone. */
  filed(item: { folderId: string | null; registryId?: string | null }): boolean {
    if (item.folderId === null) return item.registryId !== null && item.registryId !== undefined;
    return this.folder(item.folderId);
  }

  /** Boxes, plates and containers: through their project; without one, everyone. Locations are tenant-wide. */
  storage(item: { projectId?: string | null }): boolean {
    return item.projectId === null || item.projectId === undefined || this.project(item.projectId);
  }

  projectOfFolder(folderId: string | null): string | undefined {
    return folderId === null ? undefined : this.snapshot.get('folders', folderId)?.projectId;
  }
}
