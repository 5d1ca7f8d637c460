export interface DiffOptions { count: number; seed: number; profiles?: string[]; jobs: number; out: string; runtime: boolean; shrink: boolean; json: boolean }
export async function differentialCommand(_o: DiffOptions): Promise<number> { throw new Error('todo'); }
