// Clients of AWS's own JavaScript SDK v3 for the embedded DynamoDB and SQS the Go harness
// (node_test.go) started with the stack: HAPIHUB_DYNAMODB_ENDPOINT and HAPIHUB_SQS_ENDPOINT. A
// second implementation of the wire protocols beside aws-sdk-go-v2 (infra/dynamo/conformance).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { SQSClient } from '@aws-sdk/client-sqs'

export const dynamoEndpoint = process.env.HAPIHUB_DYNAMODB_ENDPOINT
export const sqsEndpoint = process.env.HAPIHUB_SQS_ENDPOINT
// A key that is no function's is not judged by the embedded IAM (infra/iam), as DynamoDB Local
// judges nobody; a function's key (LOCAL<LOGICALID>) is judged by its template.yaml policies.
export const functionKey = process.env.HAPIHUB_FUNCTION_ACCESS_KEY

if (!dynamoEndpoint || !sqsEndpoint || !functionKey) {
  throw new Error('HAPIHUB_DYNAMODB_ENDPOINT, HAPIHUB_SQS_ENDPOINT and HAPIHUB_FUNCTION_ACCESS_KEY are set by test/node/node_test.go')
}

const base = (endpoint, accessKeyId, extra) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId, secretAccessKey: 'test' },
  // Errors are the services' answers under test, not blips to retry; a test that checks the
  // SDK's retry decision asks for attempts itself.
  maxAttempts: 1,
  ...extra,
})

export const dynamo = (extra = {}, accessKeyId = 'awsjs') => new DynamoDBClient(base(dynamoEndpoint, accessKeyId, extra))
export const doc = (extra = {}) =>
  DynamoDBDocumentClient.from(dynamo(extra), { marshallOptions: { removeUndefinedValues: true } })
export const sqs = (extra = {}, accessKeyId = 'awsjs') => new SQSClient(base(sqsEndpoint, accessKeyId, extra))

// unique names each run, so a rerun against a kept data dir starts clean.
export const unique = (prefix) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

// rejection awaits p and returns its error, failing when p resolves.
export async function rejection(p) {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected the call to fail, it succeeded')
}

// crc32 is CRC-32 (IEEE, as zlib), which DynamoDB puts in X-Amz-Crc32 over the response body.
const table = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
export function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
