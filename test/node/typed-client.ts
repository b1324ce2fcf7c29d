// Compiled with tsc --strict against openapi-typescript's output for docs/openapi.json
// (openapi.test.mjs). Nothing runs: the types are the test.
import type { paths, components } from './hapihub'

type FindQuery = NonNullable<paths['/patients']['get']['parameters']['query']>
type Page = paths['/patients']['get']['responses'][200]['content']['application/json']

// A Feathers-style find, typed by the document.
declare function find(params: { query: FindQuery }): Promise<Page>

export async function patientsNamedX(): Promise<string[]> {
  const page = await find({ query: { lastName: 'X', $sort: [{ lastName: 1 }] } })
  if ('data' in page) {
    return page.data.map((p) => p.id + ' ' + p.object)
  }
  return []
}

export const operators: FindQuery = { dateOfBirth: { $gte: 0, $lt: 100 }, status: { $in: ['active', 'inactive'] }, $limit: 10, $select: ['firstName'] }

// @ts-expect-error a field patients do not have cannot be sorted on
export const badSort: FindQuery = { $sort: [{ nope: 1 }] }
// @ts-expect-error a sort direction is 1 or -1
export const badDirection: FindQuery = { $sort: [{ lastName: 2 }] }
// @ts-expect-error status is an enum
export const badStatus: FindQuery = { status: 'alive' }

// Typed platform responses.
type Endpoint = paths['/webhook-endpoints']['post']['responses'][201]['content']['application/json']
export function endpointSummary(e: Endpoint): string {
  const enabled: string[] = e.enabledEvents
  return `${e.id} ${e.url} ${e.status} ${enabled.join(',')} ${e.secret ?? ''}`
}
type Deliveries = paths['/webhook-endpoints/{id}/deliveries']['get']['responses'][200]['content']['application/json']
export function lastStatus(d: Deliveries): number | null | undefined {
  // The Feathers list, or Hubpay's Slice when asked with page/size: narrowed as patients' pages are.
  return 'data' in d ? d.data[0]?.attempts[0]?.statusCode : undefined
}
type Key = components['schemas']['ApiKey']
export const keyType = (k: Key): 'secret' | 'publishable' | 'restricted' => k.type
type Err = components['schemas']['Error']
export const isNotFound = (e: Err): boolean => e.code === 404 && e.className === 'not-found' && e.name === 'NOT_FOUND'
type Logs = paths['/request-logs']['get']['responses'][200]['content']['application/json']
export const firstPath = (l: Logs): string | undefined => ('data' in l ? l.data[0]?.path : undefined)
// @ts-expect-error a list answer may be Hubpay's Slice, which has no data: narrow first
export const unnarrowed = (l: Logs): unknown => l.data
