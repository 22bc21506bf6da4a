import type { Asset, Part, Site, WorkOrder } from '../../src-shared/domain/entities';
import { newRecordId } from '../../src-shared/domain/ids';
import type { WorkOrderStatus } from '../../src-shared/domain/work-order-status';
import { SeededRandom } from './seeded-random';

export interface DemoTechnician {
  id: string;
  siteIds: string[];
}

const assetKinds = [
  { prefix: 'AHU', name: 'Air handling unit', type: 'hvac', category: 'HVAC', makers: ['Carrier', 'Trane', 'Daikin'] },
  { prefix: 'CH', name: 'Chiller', type: 'hvac', category: 'HVAC', makers: ['Trane', 'York'] },
  { prefix: 'P', name: 'Circulation pump', type: 'pump', category: 'Plumbing', makers: ['Grundfos', 'Wilo'] },
  { prefix: 'B', name: 'Boiler', type: 'boiler', category: 'Heating', makers: ['Viessmann', 'Buderus'] },
  { prefix: 'G', name: 'Standby generator', type: 'generator', category: 'Electrical', makers: ['Caterpillar', 'Cummins'] },
  { prefix: 'SWB', name: 'Switchboard', type: 'electrical', category: 'Electrical', makers: ['ABB', 'Siemens', 'Schneider'] },
  { prefix: 'E', name: 'Elevator', type: 'elevator', category: 'Vertical transport', makers: ['Otis', 'KONE'] },
  { prefix: 'FP', name: 'Fire alarm panel', type: 'fire', category: 'Life safety', makers: ['Honeywell', 'Siemens'] },
] as const;

const partCatalogue = [
  ['Contactor 3-pole 40 A', 'pcs'],
  ['V-belt A42', 'pcs'],
  ['Air filter 592x592x48 F7', 'pcs'],
  ['Bearing 6205-2RS', 'pcs'],
  ['Fuse 10 A gG', 'pcs'],
  ['Refrigerant R-410A', 'kg'],
  ['Gasket DN50 EPDM', 'pcs'],
  ['Room thermostat', 'pcs'],
  ['Pressure gauge 0-10 bar', 'pcs'],
  ['Motor run capacitor 35 uF', 'pcs'],
  ['Mechanical seal 22 mm', 'pcs'],
  ['Hydraulic oil ISO 46', 'l'],
] as const;

const safetySteps = new Set(['Isolate and lock out', 'Make safe']);

const problems = [
  { type: 'corrective', title: 'Replace worn contactor on', tasks: ['Isolate and lock out', 'Replace contactor', 'Test run under load'] },
  { type: 'preventive', title: 'Quarterly preventive maintenance:', tasks: ['Check belts and bearings', 'Replace filters', 'Clean coils', 'Record operating values'] },
  { type: 'inspection', title: 'Annual safety inspection:', tasks: ['Visual inspection', 'Functional test', 'Record measurements', 'Update log book'] },
  { type: 'corrective', title: 'Abnormal vibration on', tasks: ['Measure vibration', 'Check alignment', 'Replace bearing if worn'] },
  { type: 'corrective', title: 'Leak reported at', tasks: ['Locate leak', 'Replace gasket or seal', 'Pressure test'] },
  { type: 'emergency', title: 'Tripped and offline:', tasks: ['Make safe', 'Diagnose fault', 'Restore service', 'Report root cause'] },
] as const;

const statusWeights: readonly [WorkOrderStatus, number][] = [
  ['open', 10],
  ['assigned', 35],
  ['in-progress', 20],
  ['on-hold', 5],
  ['completed', 15],
  ['closed', 10],
  ['cancelled', 5],
];

export interface DemoDataset {
  sites: Site[];
  assets: Asset[];
  parts: Part[];
  workOrders: WorkOrder[];
}

export function demoSites(random: SeededRandom): Site[] {
  return [
    { code: 'NTH', name: 'North Campus', address: '12 Harbour Road', timezone: 'Europe/Berlin' },
    { code: 'RIV', name: 'Riverside Plant', address: '4 Mill Lane', timezone: 'Europe/Berlin' },
    { code: 'AIR', name: 'Airport Logistics Hub', address: 'Cargo Area 7', timezone: 'Europe/Berlin' },
  ].map((s) => ({ id: newRecordId(), ...s, address: `${s.address}, unit ${random.int(1, 40)}` }));
}

function pickStatus(random: SeededRandom): WorkOrderStatus {
  let roll = random.int(1, 100);
  for (const [status, weight] of statusWeights) {
    roll -= weight;
    if (roll <= 0) return status;
  }
  return 'assigned';
}

/**
 * Realistic maintenance data: assets and stock per site, and work orders of about 1 KB each with
 * tasks, parts and labor consistent with their status.
 */
export function generateDemoData(options: {
  seed: number;
  sites: Site[];
  technicians: DemoTechnician[];
  supervisorId: string;
  workOrders: number;
  assetsPerSite?: number;
  now: number;
}): DemoDataset {
  const random = new SeededRandom(options.seed);
  const assets: Asset[] = [];
  const parts: Part[] = [];
  for (const site of options.sites) {
    const count = options.assetsPerSite ?? 24;
    for (let i = 0; i < count; i++) {
      const kind = random.pick(assetKinds);
      const n = i + 1;
      assets.push({
        id: newRecordId(),
        siteId: site.id,
        tag: `${site.code}-${kind.prefix}-${String(n).padStart(3, '0')}`,
        name: `${kind.name} ${kind.prefix}-${n}`,
        type: kind.type,
        category: kind.category,
        manufacturer: random.pick(kind.makers),
        model: `${kind.prefix}${random.int(100, 990)}`,
        serialNumber: `SN${random.int(100000, 999999)}`,
        status: random.next() < 0.9 ? 'operational' : random.pick(['degraded', 'failed', 'offline'] as const),
        location: { building: random.pick(['A', 'B', 'C']), floor: String(random.int(-1, 6)), room: `R${random.int(1, 40)}` },
      });
    }
    partCatalogue.forEach(([description, unit], i) => {
      parts.push({
        id: newRecordId(),
        siteId: site.id,
        partNumber: `P-${10001 + i}`,
        description,
        unit,
        quantityAvailable: random.int(0, 60),
      });
    });
  }
  const day = 24 * 3600 * 1000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const workOrders: WorkOrder[] = [];
  for (let i = 0; i < options.workOrders; i++) {
    const site = random.pick(options.sites);
    const siteAssets = assets.filter((a) => a.siteId === site.id);
    const siteParts = parts.filter((p) => p.siteId === site.id);
    const asset = random.pick(siteAssets);
    const problem = random.pick(problems);
    const status = pickStatus(random);
    const techs = options.technicians.filter((t) => t.siteIds.includes(site.id));
    const assignedTo = status === 'open' || techs.length === 0 ? null : random.pick(techs).id;
    const created = options.now - random.int(1, 25) * day - random.int(0, 86_399) * 1000;
    const scheduledStart = created + random.int(1, 20) * day;
    const started = status === 'in-progress' || status === 'on-hold' || status === 'completed' || status === 'closed';
    const finished = status === 'completed' || status === 'closed';
    const tasks = problem.tasks.map((title, t) => ({
      id: `t${t + 1}`,
      title,
      // Safety steps are required: the work order cannot be completed without them.
      ...(safetySteps.has(title) ? { required: true } : {}),
      done: finished || (started && random.next() < 0.5),
      doneAt: finished ? iso(scheduledStart + 3600_000 * (t + 1)) : null,
      doneBy: finished ? assignedTo : null,
    }));
    const required = Array.from({ length: random.int(0, 3) }, (_, p) => ({
      id: `r${p + 1}`,
      partId: random.pick(siteParts).id,
      quantity: random.int(1, 4),
    }));
    const worker = assignedTo ?? options.supervisorId;
    workOrders.push({
      id: newRecordId(),
      number: `WO-${String(i + 1).padStart(6, '0')}`,
      siteId: site.id,
      assetId: asset.id,
      type: problem.type,
      title: `${problem.title} ${asset.name}`,
      description: `${problem.title} ${asset.name} (${asset.tag}), building ${asset.location.building}, floor ${asset.location.floor}, room ${asset.location.room}. Follow the site safety rules and record all measurements.`,
      priority: problem.type === 'emergency' ? 'critical' : random.pick(['low', 'medium', 'medium', 'high'] as const),
      status,
      assignedTo,
      createdBy: options.supervisorId,
      createdAt: iso(created),
      updatedAt: iso(created),
      scheduledStart: iso(scheduledStart),
      scheduledEnd: iso(scheduledStart + random.int(1, 8) * 3600_000),
      actualStart: started ? iso(scheduledStart) : null,
      actualEnd: finished ? iso(scheduledStart + 4 * 3600_000) : null,
      tasks,
      partsRequired: required,
      partsUsed: finished ? required.map((r) => ({ id: `u${r.id}`, partId: r.partId, quantity: r.quantity, recordedAt: iso(scheduledStart + 3600_000), recordedBy: worker })) : [],
      laborRecords: started
        ? [{ id: 'l1', userId: worker, start: iso(scheduledStart), end: finished ? iso(scheduledStart + 4 * 3600_000) : null, minutes: finished ? 240 : 0, note: '' }]
        : [],
      measurements:
        finished && problem.type === 'inspection'
          ? [{ id: 'm1', name: 'Supply temperature', value: random.int(60, 90) / 10, unit: '°C', recordedAt: iso(scheduledStart + 7200_000) }]
          : [],
      completionNotes: finished ? 'Work completed as planned; unit back in service.' : null,
      rootCause: finished && problem.type !== 'preventive' ? random.pick(['Wear', 'Loose connection', 'Contamination', 'Operator error']) : null,
      tags: random.next() < 0.3 ? [random.pick(['safety', 'warranty', 'recurring', 'contractor'])] : [],
      categories: [asset.category],
    });
  }
  return { sites: options.sites, assets, parts, workOrders };
}
