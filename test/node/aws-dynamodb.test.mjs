// The embedded DynamoDB (infra/dynamo) checked with AWS's own JavaScript SDK v3
// (@aws-sdk/client-dynamodb and the document client of @aws-sdk/lib-dynamodb): the JSON 1.0
// protocol, the error shapes the SDK parses, and the behaviour of the operations the product's
// code uses (shared/store: GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem,
// BatchWriteItem, TransactWriteItems, ConsumedCapacity), each as AWS's API reference documents it.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, UpdateTableCommand,
  TransactWriteItemsCommand, UpdateTimeToLiveCommand, DescribeTimeToLiveCommand, waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import {
  DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, DeleteCommand, QueryCommand, ScanCommand, BatchGetCommand,
  BatchWriteCommand, TransactWriteCommand, TransactGetCommand, paginateQuery,
} from '@aws-sdk/lib-dynamodb'
import { dynamo, doc, unique, rejection, crc32, dynamoEndpoint, functionKey } from './aws.mjs'

const db = dynamo()
const dc = doc()
const name = unique('awsjs')

before(async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
  const out = await db.send(new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gpk', AttributeType: 'S' }, { AttributeName: 'gsk', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'byG',
      KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }, { AttributeName: 'gsk', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  }))
  assert.equal(out.TableDescription.TableName, name)
  await waitUntilTableExists({ client: db, maxWaitTime: 10, minDelay: 1 }, { TableName: name })
})

test('DescribeTable: ACTIVE, the ARN, key schema and the index as created', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
  const { Table: t } = await db.send(new DescribeTableCommand({ TableName: name }))
  assert.equal(t.TableStatus, 'ACTIVE')
  assert.equal(t.TableArn, `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`)
  assert.deepEqual(t.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }])
  assert.equal(t.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST')
  assert.ok(t.CreationDateTime instanceof Date && !Number.isNaN(t.CreationDateTime.getTime()), 'CreationDateTime is epoch seconds the SDK reads as a Date')
  const [g] = t.GlobalSecondaryIndexes
  assert.equal(g.IndexName, 'byG')
  assert.equal(g.IndexStatus, 'ACTIVE')
  assert.equal(g.IndexArn, `${t.TableArn}/index/byG`)
})

test('wire: JSON 1.0 with X-Amz-Target, X-Amz-Crc32 over the body, __type errors the SDK names', async () => {
  // The SDKs check X-Amz-Crc32 against the body they read (the Go SDK does; JS v3 does not, so
  // this checks it by hand): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
  // ("CRC32 checksums"). Errors carry the exception in __type:
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  const call = async (target, body) => {
    const res = await fetch(dynamoEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `DynamoDB_20120810.${target}` },
      body: JSON.stringify(body),
    })
    const raw = new Uint8Array(await res.arrayBuffer())
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0')
    assert.equal(Number(res.headers.get('x-amz-crc32')), crc32(raw), `${target}: X-Amz-Crc32 is the CRC32 of the body`)
    assert.ok(res.headers.get('x-amzn-requestid'), `${target}: x-amzn-RequestId`)
    return { status: res.status, json: JSON.parse(new TextDecoder().decode(raw)) }
  }
  const ok = await call('GetItem', { TableName: name, Key: { pk: { S: 'none' }, sk: { S: 'none' } } })
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.json, {}, 'GetItem of no item answers no Item')
  const missing = await call('DescribeTable', { TableName: 'awsjs-no-such-table' })
  assert.equal(missing.status, 400)
  assert.equal(missing.json.__type, 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException')

  // The SDK takes the name after '#' and the request id from the header.
  const err = await rejection(db.send(new DescribeTableCommand({ TableName: 'awsjs-no-such-table' })))
  assert.equal(err.name, 'ResourceNotFoundException')
  assert.equal(err.$fault, 'client')
  assert.equal(err.$metadata.httpStatusCode, 400)
  assert.match(err.$metadata.requestId ?? '', /^[A-Z0-9]{52}$/)
})

test('document client: every attribute type comes back as it went in', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html
  // (empty strings and binaries are allowed outside keys since 2020:
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html)
  const item = {
    pk: 'types', sk: '1', s: 'héllo ☃', empty: '', n: 42, dec: -0.125, big: 12345678901234, t: true, f: false, nul: null,
    l: [1, 'two', { three: [3] }], m: { a: { b: { c: 'deep' } } }, bin: new Uint8Array([0, 1, 2, 255]),
    ss: new Set(['a', 'b']), ns: new Set([1, 2.5]), bs: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
  }
  await dc.send(new PutCommand({ TableName: name, Item: item }))
  const { Item } = await dc.send(new GetCommand({ TableName: name, Key: { pk: 'types', sk: '1' }, ConsistentRead: true }))
  assert.deepEqual({ ...Item, bs: undefined }, { ...item, bs: undefined })
  assert.deepEqual([...Item.bs].map((b) => [...b]).sort(), [[1], [2, 3]])

  // ProjectionExpression with names and nested paths: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
  const p = await dc.send(new GetCommand({
    TableName: name, Key: { pk: 'types', sk: '1' }, ProjectionExpression: '#m.a.b, l[2], #n',
    ExpressionAttributeNames: { '#m': 'm', '#n': 'n' },
  }))
  assert.deepEqual(p.Item, { m: { a: { b: { c: 'deep' } } }, l: [{ three: [3] }], n: 42 })
})

test('ConditionalCheckFailedException: no Item unless ReturnValuesOnConditionCheckFailure is ALL_OLD; not retried', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
  // (ReturnValuesOnConditionCheckFailure; ConditionalCheckFailedException "The conditional request failed")
  const c = dynamo({ maxAttempts: 3 })
  const key = { pk: { S: 'cond' }, sk: { S: '1' } }
  await c.send(new PutItemCommand({ TableName: name, Item: { ...key, v: { N: '1' } } }))
  const plain = await rejection(c.send(new PutItemCommand({
    TableName: name, Item: { ...key, v: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)',
  })))
  assert.equal(plain.name, 'ConditionalCheckFailedException')
  assert.equal(plain.message, 'The conditional request failed')
  assert.equal(plain.Item, undefined)
  assert.equal(plain.$metadata.attempts, 1, 'a failed condition is final: the SDK does not retry it')

  for (const send of [
    () => c.send(new PutItemCommand({ TableName: name, Item: { ...key, v: { N: '3' } }, ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': { N: '9' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })),
    () => c.send(new UpdateItemCommand({ TableName: name, Key: key, UpdateExpression: 'SET v = :y', ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': { N: '9' }, ':y': { N: '3' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })),
  ]) {
    const err = await rejection(send())
    assert.equal(err.name, 'ConditionalCheckFailedException')
    assert.deepEqual(err.Item, { ...key, v: { N: '1' } }, 'the item as it was, in the error')
  }
  const del = await rejection(dc.send(new DeleteCommand({ TableName: name, Key: { pk: 'cond', sk: '1' }, ConditionExpression: 'v > :x', ExpressionAttributeValues: { ':x': 5 }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })))
  assert.equal(del.name, 'ConditionalCheckFailedException')
  assert.deepEqual(del.Item, { ...key, v: { N: '1' } })
  const { Item } = await dc.send(new GetCommand({ TableName: name, Key: { pk: 'cond', sk: '1' } }))
  assert.equal(Item.v, 1, 'nothing changed')
})

test('UpdateItem: ReturnValues NONE, ALL_OLD, UPDATED_OLD, UPDATED_NEW, ALL_NEW; ADD, list_append, if_not_exists, REMOVE', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html#DDB-UpdateItem-request-ReturnValues
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
  const Key = { pk: 'upd', sk: '1' }
  const none = await dc.send(new UpdateCommand({ TableName: name, Key, UpdateExpression: 'SET a = :a, tags = :t', ExpressionAttributeValues: { ':a': 1, ':t': new Set(['x']) } }))
  assert.equal(none.Attributes, undefined, 'ReturnValues NONE (the default) answers no Attributes')
  const upd = (ReturnValues, UpdateExpression, ExpressionAttributeValues) =>
    dc.send(new UpdateCommand({ TableName: name, Key, ReturnValues, UpdateExpression, ExpressionAttributeValues }))
  assert.deepEqual((await upd('UPDATED_NEW', 'ADD a :one, tags :t', { ':one': 2, ':t': new Set(['y']) })).Attributes, { a: 3, tags: new Set(['x', 'y']) })
  assert.deepEqual((await upd('UPDATED_OLD', 'SET l = list_append(if_not_exists(l, :e), :v)', { ':e': [], ':v': [1] })).Attributes, undefined,
    'UPDATED_OLD of an attribute that did not exist is nothing')
  assert.deepEqual((await upd('UPDATED_OLD', 'SET l = list_append(l, :v), a = a - :one', { ':v': [2], ':one': 1 })).Attributes, { l: [1], a: 3 })
  assert.deepEqual((await upd('ALL_OLD', 'REMOVE tags', undefined)).Attributes, { ...Key, a: 2, l: [1, 2], tags: new Set(['x', 'y']) })
  assert.deepEqual((await upd('ALL_NEW', 'DELETE nothing :s SET b = :b', { ':s': new Set(['q']), ':b': 'b' })).Attributes, { ...Key, a: 2, l: [1, 2], b: 'b' })
  // PutItem and DeleteItem take NONE or ALL_OLD: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html
  const put = await dc.send(new PutCommand({ TableName: name, Item: { ...Key, fresh: true }, ReturnValues: 'ALL_OLD' }))
  assert.deepEqual(put.Attributes, { ...Key, a: 2, l: [1, 2], b: 'b' })
  const bad = await rejection(dc.send(new PutCommand({ TableName: name, Item: Key, ReturnValues: 'ALL_NEW' })))
  assert.equal(bad.name, 'ValidationException')
  const gone = await dc.send(new DeleteCommand({ TableName: name, Key, ReturnValues: 'ALL_OLD' }))
  assert.deepEqual(gone.Attributes, { ...Key, fresh: true })
})

test('TransactWriteItems: TransactionCanceledException with one CancellationReason per item, nothing written', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html (Errors:
  // TransactionCanceledException; CancellationReasons in the order of the items, Code None
  // where the item did not cause the cancellation; Item with ReturnValuesOnConditionCheckFailure ALL_OLD)
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html
  await dc.send(new PutCommand({ TableName: name, Item: { pk: 'tx', sk: 'held', n: 1 } }))
  const err = await rejection(db.send(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: name, Item: { pk: { S: 'tx' }, sk: { S: 'new' } } } },
      { ConditionCheck: { TableName: name, Key: { pk: { S: 'tx' }, sk: { S: 'held' } }, ConditionExpression: 'n = :two', ExpressionAttributeValues: { ':two': { N: '2' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
      { Update: { TableName: name, Key: { pk: { S: 'tx' }, sk: { S: 'other' } }, UpdateExpression: 'SET x = :x', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':x': { N: '1' } } } },
    ],
  })))
  assert.equal(err.name, 'TransactionCanceledException')
  assert.equal(err.$metadata.httpStatusCode, 400)
  assert.equal(err.message, 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]')
  assert.deepEqual(err.CancellationReasons, [
    { Code: 'None' },
    { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: { S: 'tx' }, sk: { S: 'held' }, n: { N: '1' } } },
    { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
  ])
  const { Item } = await dc.send(new GetCommand({ TableName: name, Key: { pk: 'tx', sk: 'new' }, ConsistentRead: true }))
  assert.equal(Item, undefined, 'the Put of a cancelled transaction is not written')

  // Two actions on one item: a ValidationException, not a cancellation.
  const dup = await rejection(dc.send(new TransactWriteCommand({
    TransactItems: [{ Put: { TableName: name, Item: { pk: 'tx', sk: 'd' } } }, { Delete: { TableName: name, Key: { pk: 'tx', sk: 'd' } } }],
  })))
  assert.equal(dup.name, 'ValidationException')
  assert.match(dup.message, /multiple operations on one item/)

  // Applied: all of it, and TransactGetItems answers one response per item in order, empty for
  // an item that is not there: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
  await dc.send(new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: name, Item: { pk: 'tx', sk: 'new', v: 'x' } } },
      { Update: { TableName: name, Key: { pk: 'tx', sk: 'held' }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': 1 } } },
    ],
  }))
  const got = await dc.send(new TransactGetCommand({
    TransactItems: [
      { Get: { TableName: name, Key: { pk: 'tx', sk: 'held' } } },
      { Get: { TableName: name, Key: { pk: 'tx', sk: 'absent' } } },
      { Get: { TableName: name, Key: { pk: 'tx', sk: 'new' }, ProjectionExpression: 'v' } },
    ],
  }))
  assert.deepEqual(got.Responses, [{ Item: { pk: 'tx', sk: 'held', n: 2 } }, {}, { Item: { v: 'x' } }])
})

test('Query: Limit pages with LastEvaluatedKey, ScanIndexForward, Select COUNT, FilterExpression counts, the index key in an index page', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html
  const items = Array.from({ length: 25 }, (_, i) => ({ pk: 'q', sk: `s${String(i).padStart(2, '0')}`, gpk: 'g', gsk: i, odd: i % 2 }))
  for (let i = 0; i < items.length; i += 25) {
    const out = await dc.send(new BatchWriteCommand({ RequestItems: { [name]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }))
    assert.deepEqual(out.UnprocessedItems, {}, 'BatchWriteItem answers an empty UnprocessedItems when all is written')
  }
  const base = { TableName: name, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' } }
  const p1 = await dc.send(new QueryCommand({ ...base, Limit: 10 }))
  assert.equal(p1.Count, 10)
  assert.equal(p1.ScannedCount, 10)
  assert.deepEqual(p1.LastEvaluatedKey, { pk: 'q', sk: 's09' }, 'the key of the last item read')
  const p3 = await dc.send(new QueryCommand({ ...base, Limit: 10, ExclusiveStartKey: { pk: 'q', sk: 's19' } }))
  assert.deepEqual(p3.Items.map((i) => i.sk), ['s20', 's21', 's22', 's23', 's24'])
  assert.equal(p3.LastEvaluatedKey, undefined, 'a page that ends the results has no LastEvaluatedKey')

  // A page that stops at its Limit has a LastEvaluatedKey even when nothing is left: the end is
  // only known from a page without one, which may be empty (Query.Pagination.html: "the result set
  // is complete only when LastEvaluatedKey is empty"). A page whose items are all filtered out is
  // empty with a LastEvaluatedKey.
  // A start key must lie inside the key condition: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-ExclusiveStartKey
  const outside = await rejection(dc.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :p AND sk > :s', ExpressionAttributeValues: { ':p': 'q', ':s': 's10' }, ExclusiveStartKey: { pk: 'q', sk: 's05' } })))
  assert.equal(outside.name, 'ValidationException')
  assert.equal(outside.message, 'The provided starting key does not match the range key predicate')
  const otherPartition = await rejection(dc.send(new QueryCommand({ ...base, ExclusiveStartKey: { pk: 'r', sk: 's05' } })))
  assert.equal(otherPartition.message, 'The provided starting key is outside query boundaries based on provided conditions')
  const exact = await dc.send(new QueryCommand({ ...base, Limit: 5, ExclusiveStartKey: { pk: 'q', sk: 's19' } }))
  assert.equal(exact.Count, 5)
  assert.deepEqual(exact.LastEvaluatedKey, { pk: 'q', sk: 's24' })
  const after = await dc.send(new QueryCommand({ ...base, Limit: 5, ExclusiveStartKey: exact.LastEvaluatedKey }))
  assert.deepEqual([after.Count, after.Items, after.LastEvaluatedKey], [0, [], undefined])
  const allFiltered = await dc.send(new QueryCommand({ ...base, Limit: 3, FilterExpression: 'odd = :none', ExpressionAttributeValues: { ':p': 'q', ':none': 7 } }))
  assert.deepEqual([allFiltered.Count, allFiltered.ScannedCount, allFiltered.Items, allFiltered.LastEvaluatedKey], [0, 3, [], { pk: 'q', sk: 's02' }])

  const all = []
  for await (const page of paginateQuery({ client: dc, pageSize: 7 }, { ...base, ScanIndexForward: false })) all.push(...page.Items)
  assert.deepEqual(all.map((i) => i.sk), items.map((i) => i.sk).reverse(), 'the SDK paginator walks every page, descending')

  // Select COUNT: the count, no Items: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-Select
  const count = await dc.send(new QueryCommand({ ...base, Select: 'COUNT' }))
  assert.equal(count.Count, 25)
  assert.equal(count.ScannedCount, 25)
  assert.equal(count.Items, undefined)
  // Limit bounds the items read, before the filter: Count after, ScannedCount before.
  const filtered = await dc.send(new QueryCommand({ ...base, Limit: 10, FilterExpression: 'odd = :one', ExpressionAttributeValues: { ':p': 'q', ':one': 1 } }))
  assert.equal(filtered.ScannedCount, 10)
  assert.equal(filtered.Count, 5)
  assert.deepEqual(filtered.LastEvaluatedKey, { pk: 'q', sk: 's09' })
  const between = await dc.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':p': 'q', ':a': 's03', ':b': 's05' }, Select: 'COUNT' }))
  assert.equal(between.Count, 3)

  // An index page's LastEvaluatedKey holds the index key and the table key.
  const gi = await dc.send(new QueryCommand({ TableName: name, IndexName: 'byG', KeyConditionExpression: 'gpk = :g AND gsk >= :n', ExpressionAttributeValues: { ':g': 'g', ':n': 20 }, Limit: 2 }))
  assert.deepEqual(gi.Items.map((i) => i.gsk), [20, 21])
  assert.deepEqual(gi.LastEvaluatedKey, { gpk: 'g', gsk: 21, pk: 'q', sk: 's21' })
  const strong = await rejection(dc.send(new QueryCommand({ TableName: name, IndexName: 'byG', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': 'g' }, ConsistentRead: true })))
  assert.equal(strong.name, 'ValidationException', 'a global secondary index has no strongly consistent reads')

  // Scan segments split the table: together every item once.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan
  const seen = []
  for (let Segment = 0; Segment < 3; Segment++) {
    let ExclusiveStartKey
    do {
      const page = await dc.send(new ScanCommand({ TableName: name, Segment, TotalSegments: 3, FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' }, ExclusiveStartKey, Limit: 4 }))
      seen.push(...page.Items.map((i) => i.sk))
      ExclusiveStartKey = page.LastEvaluatedKey
    } while (ExclusiveStartKey)
  }
  assert.deepEqual(seen.sort(), items.map((i) => i.sk))
})

test('ConsumedCapacity: TOTAL and INDEXES as the capacity unit rules count them', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
  // (a read of up to 4 KB: 1 RCU strongly consistent, 0.5 eventually; a write of up to 1 KB:
  // 1 WCU, and the same again for each index it writes; transactional requests count twice)
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ConsumedCapacity.html
  // The read/write split (ReadCapacityUnits, WriteCapacityUnits) is optional in the shape; where
  // it is given it must add up to CapacityUnits.
  const units = (c) => {
    if (c === undefined) return undefined
    const split = (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0)
    if ('ReadCapacityUnits' in c || 'WriteCapacityUnits' in c) assert.equal(split, c.CapacityUnits, `the split adds up: ${JSON.stringify(c)}`)
    return c.CapacityUnits
  }
  const Key = { pk: 'cap', sk: '1' }
  const put = await dc.send(new PutCommand({ TableName: name, Item: { ...Key, gpk: 'c', gsk: 1, pad: 'x'.repeat(1500) }, ReturnConsumedCapacity: 'INDEXES' }))
  const pc = put.ConsumedCapacity
  assert.equal(pc.TableName, name)
  assert.deepEqual([units(pc), units(pc.Table), units(pc.GlobalSecondaryIndexes?.byG)], [4, 2, 2],
    'a 1.5 KB item is 2 WCU in the table and 2 in the index it is projected to')
  assert.equal(pc.WriteCapacityUnits ?? 4, 4, 'a write consumes write units')
  const total = await dc.send(new PutCommand({ TableName: name, Item: { pk: 'cap', sk: 'noindex' }, ReturnConsumedCapacity: 'TOTAL' }))
  assert.equal(units(total.ConsumedCapacity), 1)
  assert.equal(total.ConsumedCapacity.Table, undefined, 'TOTAL has no per-table/index breakdown')
  const eventual = await dc.send(new GetCommand({ TableName: name, Key, ReturnConsumedCapacity: 'TOTAL' }))
  assert.equal(eventual.ConsumedCapacity.TableName, name)
  assert.equal(units(eventual.ConsumedCapacity), 0.5)
  const strong = await dc.send(new GetCommand({ TableName: name, Key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }))
  assert.equal(units(strong.ConsumedCapacity), 1)
  const none = await dc.send(new GetCommand({ TableName: name, Key }))
  assert.equal(none.ConsumedCapacity, undefined, 'none unless asked for')
  const q = await dc.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'cap' }, ReturnConsumedCapacity: 'TOTAL' }))
  assert.equal(units(q.ConsumedCapacity), 0.5, 'a Query is charged by the size of all it read (1.5 KB), eventually consistent')
  const tx = await dc.send(new TransactWriteCommand({
    TransactItems: [{ Put: { TableName: name, Item: { pk: 'cap', sk: '2' } } }, { Put: { TableName: name, Item: { pk: 'cap', sk: '3' } } }],
    ReturnConsumedCapacity: 'TOTAL',
  }))
  assert.equal(tx.ConsumedCapacity.length, 1, 'one entry per table')
  assert.equal(units(tx.ConsumedCapacity[0]), 4, 'two 1 KB transactional writes: 2 WCU each')
})

test('BatchGetItem: Responses by table, the rest past 16 MB in UnprocessedKeys, at most 100 keys, no duplicates', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html ("A single
  // operation can retrieve up to 16 MB of data, which can contain as many as 100 items ... returns
  // an appropriate UnprocessedKeys value so you can get the next page of results";
  // "Too many items requested for the BatchGetItem call"; duplicates are a ValidationException)
  const big = 'x'.repeat(350 * 1024)
  const keys = Array.from({ length: 50 }, (_, i) => ({ pk: 'big', sk: String(i) }))
  for (let i = 0; i < keys.length; i += 25) {
    await dc.send(new BatchWriteCommand({ RequestItems: { [name]: keys.slice(i, i + 25).map((k) => ({ PutRequest: { Item: { ...k, big } } })) } }))
  }
  const first = await dc.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: [...keys, { pk: 'big', sk: 'absent' }], ProjectionExpression: 'sk, big' } } }))
  const got = first.Responses[name]
  assert.ok(got.length > 0 && got.length < 50, `a partial answer (${got.length} of 50 items of 350 KB)`)
  assert.ok(got.length * big.length <= 16 * 1024 * 1024, 'at most 16 MB')
  const left = first.UnprocessedKeys[name]
  assert.equal(left.ProjectionExpression, 'sk, big', 'the unprocessed keys keep their KeysAndAttributes to send again as they are')
  const all = [...got]
  let RequestItems = first.UnprocessedKeys
  while (Object.keys(RequestItems).length > 0) {
    const next = await dc.send(new BatchGetCommand({ RequestItems }))
    all.push(...next.Responses[name])
    RequestItems = next.UnprocessedKeys
  }
  assert.deepEqual(all.map((i) => Number(i.sk)).sort((a, b) => a - b), keys.map((_, i) => i), 'every item once, the absent key answered by no item')
  assert.ok(all.every((i) => i.big === big && i.pk === undefined), 'projected')

  const small = await dc.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: [{ pk: 'types', sk: '1' }], ProjectionExpression: 'pk' } } }))
  assert.deepEqual(small, { ...small, Responses: { [name]: [{ pk: 'types' }] }, UnprocessedKeys: {} })

  const many = await rejection(dc.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: 'm', sk: String(i) })) } } })))
  assert.equal(many.name, 'ValidationException')
  assert.match(many.message, /Too many items requested for the BatchGetItem call/)
  const dup = await rejection(dc.send(new BatchGetCommand({ RequestItems: { [name]: { Keys: [{ pk: 'a', sk: '1' }, { pk: 'a', sk: '1' }] } } })))
  assert.equal(dup.name, 'ValidationException')
  assert.match(dup.message, /Provided list of item keys contains duplicates/)
  await dc.send(new BatchWriteCommand({ RequestItems: { [name]: keys.slice(0, 25).map((Key) => ({ DeleteRequest: { Key } })) } }))
  await dc.send(new BatchWriteCommand({ RequestItems: { [name]: keys.slice(25).map((Key) => ({ DeleteRequest: { Key } })) } }))
})

test('numbers keep 38 digits; item size, nesting depth, unused values, batch limits, idempotent transactions, TTL', async () => {
  // Numbers: up to 38 digits of precision, exactly: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
  const wide = doc({})
  const digits = '12345678901234567890123456789012345678'
  await db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'num' }, sk: { S: '1' }, n: { N: digits }, small: { N: '-1.5E-120' } } }))
  const raw = await db.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'num' }, sk: { S: '1' } } }))
  assert.equal(raw.Item.n.N, digits)
  assert.equal(Number(raw.Item.small.N), -1.5e-120)
  const wrapped = await DynamoDBDocumentClient.from(db, { unmarshallOptions: { wrapNumbers: true } }).send(new GetCommand({ TableName: name, Key: { pk: 'num', sk: '1' } }))
  assert.equal(wrapped.Item.n.value, digits)
  const over = await rejection(db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'num' }, sk: { S: '2' }, n: { N: '1' + '0'.repeat(126) } } })))
  assert.equal(over.name, 'ValidationException', 'past 10^125')
  assert.match(over.message, /Number overflow/)

  // 400 KB items: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
  const huge = await rejection(wide.send(new PutCommand({ TableName: name, Item: { pk: 'huge', sk: '1', v: 'x'.repeat(400 * 1024) } })))
  assert.equal(huge.name, 'ValidationException')
  assert.match(huge.message, /Item size has exceeded the maximum allowed size/)

  // Documents nest 32 levels, the attribute being level 1 (ServiceQuotas.html, "Nested attribute depth").
  const nested = (levels) => Array.from({ length: levels - 1 }).reduce((v) => ({ M: { n: v } }), { S: 'leaf' })
  await db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'deep' }, sk: { S: '32' }, d: nested(32) } }))
  const tooDeep = await rejection(db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'deep' }, sk: { S: '33' }, d: nested(33) } })))
  assert.equal(tooDeep.name, 'ValidationException')
  assert.match(tooDeep.message, /Nesting Levels have exceeded supported limits/)

  // Unused expression values: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeValues.html
  const unused = await rejection(wide.send(new PutCommand({ TableName: name, Item: { pk: 'u', sk: '1' }, ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':x': 1 } })))
  assert.equal(unused.name, 'ValidationException')
  assert.match(unused.message, /Value provided in ExpressionAttributeValues unused in expressions: keys: \{:x\}/)

  // BatchWriteItem: at most 25 requests, no two on one item: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
  const tooMany = await rejection(wide.send(new BatchWriteCommand({ RequestItems: { [name]: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: 'bw', sk: String(i) } } })) } })))
  assert.equal(tooMany.name, 'ValidationException')
  const twice = await rejection(wide.send(new BatchWriteCommand({ RequestItems: { [name]: [{ PutRequest: { Item: { pk: 'bw', sk: '1' } } }, { DeleteRequest: { Key: { pk: 'bw', sk: '1' } } }] } })))
  assert.equal(twice.name, 'ValidationException')
  assert.match(twice.message, /Provided list of item keys contains duplicates/)

  // ClientRequestToken makes TransactWriteItems idempotent; the same token for another request
  // is IdempotentParameterMismatchException: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken
  const ClientRequestToken = unique('tok')
  const txReq = (v) => new TransactWriteCommand({ ClientRequestToken, TransactItems: [{ Update: { TableName: name, Key: { pk: 'idem', sk: '1' }, UpdateExpression: 'ADD n :v', ExpressionAttributeValues: { ':v': v } } }] })
  await wide.send(txReq(1))
  await wide.send(txReq(1))
  assert.equal((await wide.send(new GetCommand({ TableName: name, Key: { pk: 'idem', sk: '1' }, ConsistentRead: true }))).Item.n, 1, 'the repeat did not apply again')
  const mismatch = await rejection(wide.send(txReq(2)))
  assert.equal(mismatch.name, 'IdempotentParameterMismatchException')

  // TTL: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
  const ttl = await db.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }))
  assert.deepEqual(ttl.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true })
  const desc = await db.send(new DescribeTimeToLiveCommand({ TableName: name }))
  assert.equal(desc.TimeToLiveDescription.AttributeName, 'expiresAt')
  assert.ok(['ENABLED', 'ENABLING'].includes(desc.TimeToLiveDescription.TimeToLiveStatus))
  const again = await rejection(db.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } })))
  assert.equal(again.name, 'ValidationException')
  assert.match(again.message, /TimeToLive is already enabled/)
})

test('errors: ValidationException for a key of the wrong type, AccessDeniedException for a function without the permission', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  const wrong = await rejection(db.send(new GetItemCommand({ TableName: name, Key: { pk: { N: '1' }, sk: { S: 'x' } } })))
  assert.equal(wrong.name, 'ValidationException')
  assert.equal(wrong.message, 'The provided key element does not match the schema')
  const noKey = await rejection(db.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'only' } } })))
  assert.equal(noKey.name, 'ValidationException')
  assert.match(noKey.message, /Missing the key sk in the item/)

  // IAM's refusal: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
  const denied = await rejection(dynamo({}, functionKey).send(new GetItemCommand({ TableName: 'awsjs-denied', Key: { pk: { S: 'a' } } })))
  assert.equal(denied.name, 'AccessDeniedException')
  assert.equal(denied.$metadata.httpStatusCode, 400)
  assert.match(denied.message, /^User: arn:aws:sts::000000000000:assumed-role\/\S+ is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/awsjs-denied because no identity-based policy allows the dynamodb:GetItem action$/)
})

test('retryable errors: the SDK retries LimitExceededException as the error table says, and only that', async () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  // (LimitExceededException: "OK to retry? Yes"); creating two indexes in one UpdateTable is over
  // the limit of one online index operation at a time:
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.OnlineOps.html
  const c = dynamo({ maxAttempts: 2, retryMode: 'standard' })
  const gsi = (IndexName, AttributeName) => ({ Create: { IndexName, KeySchema: [{ AttributeName, KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } })
  const err = await rejection(c.send(new UpdateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'x1', AttributeType: 'S' }, { AttributeName: 'x2', AttributeType: 'S' }],
    GlobalSecondaryIndexUpdates: [gsi('x1', 'x1'), gsi('x2', 'x2')],
  })))
  assert.equal(err.name, 'LimitExceededException')
  assert.equal(err.$metadata.attempts, 2, 'retried once, then given up')
  const validation = await rejection(c.send(new DescribeTableCommand({ TableName: '' })))
  assert.equal(validation.name, 'ValidationException')
  assert.equal(validation.$metadata.attempts, 1, 'a ValidationException is not retried')
})
