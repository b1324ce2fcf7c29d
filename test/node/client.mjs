// The Feathers REST client (@feathersjs/rest-client over fetch) pointed at the stack the Go
// harness (node_test.go) started: HAPIHUB_URL and a test secret key in HAPIHUB_KEY.
import { feathers } from '@feathersjs/feathers'
import rest from '@feathersjs/rest-client'

export const url = process.env.HAPIHUB_URL
export const key = process.env.HAPIHUB_KEY
export const root = process.env.HAPIHUB_ROOT ?? new URL('../..', import.meta.url).pathname

if (!url || !key) {
  throw new Error('HAPIHUB_URL and HAPIHUB_KEY are set by test/node/node_test.go (go test ./test/node)')
}

export const app = feathers()
app.configure(rest(url).fetch(fetch))

// params for a call as a secret key.
export const auth = (extra = {}) => ({ headers: { Authorization: `Bearer ${key}` }, ...extra })

// retrying calls fn again after a 429 as a well-behaved client does (test keys allow 25
// requests a second; the differential test sends hundreds).
export async function retrying(fn) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (err.code !== 429 || attempt >= 20) throw err
      const after = Number(err.response?.headers?.get('retry-after') ?? 1)
      await new Promise((r) => setTimeout(r, Math.max(after, 0.2) * 1000))
    }
  }
}
