// The embedded SQS (infra/sqs) checked with AWS's own JavaScript SDK v3 (@aws-sdk/client-sqs),
// which speaks SQS's JSON protocol (X-Amz-Target: AmazonSQS.*) and checks every body's MD5 itself:
// queues as the runner creates them (infra/local/queues.go: attributes, a redrive policy),
// SendMessage with a delay as the product sends (shared/webhook/queue, shared/sandbox/jobq),
// receiving as the event source mapping does, and the errors the SDK parses.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import {
  CreateQueueCommand, GetQueueUrlCommand, GetQueueAttributesCommand, SendMessageCommand, SendMessageBatchCommand,
  ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand, ChangeMessageVisibilityCommand, ChangeMessageVisibilityBatchCommand,
  ListDeadLetterSourceQueuesCommand, DeleteQueueCommand, PurgeQueueCommand,
} from '@aws-sdk/client-sqs'
import { sqs, unique, rejection, functionKey } from './aws.mjs'

const client = sqs()
let dlq, dlqArn

before(async () => {
  dlq = (await client.send(new CreateQueueCommand({ QueueName: unique('awsjs-dlq') }))).QueueUrl
  dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn
})

// A queue of its own per test, redriving to the shared dead-letter queue after maxReceiveCount.
async function queue(attributes = {}, maxReceiveCount = 5) {
  const { QueueUrl } = await client.send(new CreateQueueCommand({
    QueueName: unique('awsjs'),
    Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }), ...attributes },
  }))
  return QueueUrl
}

// md5OfAttributes is MD5OfMessageAttributes as SQS documents it: attributes sorted by name, each
// as length-prefixed (4 bytes, big endian) name, data type, then transport type 1 (string) or 2
// (binary) and the length-prefixed value.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
function md5OfAttributes(attrs) {
  const parts = []
  const lp = (buf) => {
    const n = Buffer.alloc(4)
    n.writeUInt32BE(buf.length)
    parts.push(n, buf)
  }
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]
    lp(Buffer.from(name))
    lp(Buffer.from(a.DataType))
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]))
      lp(Buffer.from(a.BinaryValue))
    } else {
      parts.push(Buffer.from([1]))
      lp(Buffer.from(a.StringValue))
    }
  }
  return createHash('md5').update(Buffer.concat(parts)).digest('hex')
}

test('CreateQueue: idempotent with the same attributes, QueueNameExists with others; GetQueueUrl; attributes as strings', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // ("If you provide the name of an existing queue along with the exact names and values of all
  // the queue's attributes, CreateQueue returns the queue URL"; otherwise QueueNameExists)
  const QueueName = unique('awsjs-c')
  const Attributes = { VisibilityTimeout: '45', MessageRetentionPeriod: '3600', DelaySeconds: '0' }
  const a = await client.send(new CreateQueueCommand({ QueueName, Attributes }))
  const b = await client.send(new CreateQueueCommand({ QueueName, Attributes }))
  assert.equal(a.QueueUrl, b.QueueUrl)
  assert.ok(a.QueueUrl.endsWith(`/000000000000/${QueueName}`), a.QueueUrl)
  const other = await rejection(client.send(new CreateQueueCommand({ QueueName, Attributes: { ...Attributes, VisibilityTimeout: '46' } })))
  assert.equal(other.name, 'QueueNameExists')
  assert.equal(other.$fault, 'client')
  assert.equal(other.$metadata.httpStatusCode, 400)

  assert.equal((await client.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl, a.QueueUrl)
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  const { Attributes: got } = await client.send(new GetQueueAttributesCommand({ QueueUrl: a.QueueUrl, AttributeNames: ['All'] }))
  assert.equal(got.VisibilityTimeout, '45')
  assert.equal(got.MessageRetentionPeriod, '3600')
  assert.equal(got.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${QueueName}`)
  assert.equal(got.ApproximateNumberOfMessages, '0')
  assert.match(got.CreatedTimestamp, /^\d{10}$/, 'epoch seconds')
  const bad = await rejection(client.send(new CreateQueueCommand({ QueueName: unique('awsjs-bad'), Attributes: { VisibilityTimeout: '43201' } })))
  assert.equal(bad.name, 'InvalidAttributeValue', 'VisibilityTimeout is 0 to 43,200 seconds')
})

test('QueueDoesNotExist: the modelled error name and the query code the SDK keeps', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html (Errors)
  // and the JSON protocol's query-compatible code (x-amzn-query-error):
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html
  const err = await rejection(client.send(new GetQueueUrlCommand({ QueueName: 'awsjs-no-such-queue' })))
  assert.equal(err.name, 'QueueDoesNotExist')
  assert.equal(err.$fault, 'client')
  assert.equal(err.$metadata.httpStatusCode, 400)
  assert.equal(err.Code, 'AWS.SimpleQueueService.NonExistentQueue', 'the query protocol\'s code, for code written against it')
  assert.equal(err.Type, 'Sender')
})

test('SendMessage and ReceiveMessage: MD5s the SDK checks, message attributes, system attributes', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // (MessageSystemAttributeNames All: SenderId, SentTimestamp, ApproximateReceiveCount,
  // ApproximateFirstReceiveTimestamp, in epoch milliseconds)
  const QueueUrl = await queue()
  const MessageAttributes = {
    kind: { DataType: 'String', StringValue: 'webhook ☃' },
    'try.n': { DataType: 'Number', StringValue: '3' },
    blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
    'x.custom': { DataType: 'String.custom', StringValue: 'c' },
  }
  const body = JSON.stringify({ event: 'patient.created', name: 'Zoë' })
  const before = Date.now()
  const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes })) // the SDK checks MD5OfMessageBody
  assert.match(sent.MessageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.equal(sent.MD5OfMessageBody, createHash('md5').update(body).digest('hex'))
  assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(MessageAttributes))

  const { Messages } = await client.send(new ReceiveMessageCommand({
    QueueUrl, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'], MaxNumberOfMessages: 10,
  }))
  assert.equal(Messages.length, 1)
  const [m] = Messages
  assert.equal(m.Body, body)
  assert.equal(m.MessageId, sent.MessageId)
  assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes)
  assert.deepEqual(Object.keys(m.MessageAttributes).sort(), Object.keys(MessageAttributes).sort())
  assert.deepEqual([...m.MessageAttributes.blob.BinaryValue], [0, 1, 254, 255])
  assert.equal(m.MessageAttributes.kind.StringValue, 'webhook ☃')
  assert.equal(m.MessageAttributes['try.n'].DataType, 'Number')
  assert.equal(m.Attributes.ApproximateReceiveCount, '1')
  assert.ok(Number(m.Attributes.SentTimestamp) >= before - 1000 && Number(m.Attributes.SentTimestamp) <= Date.now() + 1000, 'SentTimestamp in ms')
  assert.ok(Number(m.Attributes.ApproximateFirstReceiveTimestamp) >= Number(m.Attributes.SentTimestamp))
  assert.ok(m.Attributes.SenderId, 'SenderId')

  // Only the attributes asked for, by name or by prefix (name.*); the MD5 is of those returned.
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }))
  const some = (await client.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['kind', 'x.*'], AttributeNames: ['ApproximateReceiveCount'] }))).Messages[0]
  assert.deepEqual(Object.keys(some.MessageAttributes).sort(), ['kind', 'x.custom'])
  assert.equal(some.MD5OfMessageAttributes, md5OfAttributes({ kind: MessageAttributes.kind, 'x.custom': MessageAttributes['x.custom'] }))
  assert.deepEqual(some.Attributes, { ApproximateReceiveCount: '2' })
})

test('ChangeMessageVisibility: 0 makes the message receivable again, with a new receipt handle; the latest one deletes it', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  const QueueUrl = await queue()
  await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'v' }))
  const first = (await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages[0]
  assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'in flight: not received again, and no Messages member')
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }))
  const second = (await client.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages[0]
  assert.equal(second.MessageId, first.MessageId)
  assert.notEqual(second.ReceiptHandle, first.ReceiptHandle)
  assert.equal(second.Attributes.ApproximateReceiveCount, '2')
  const tooLong = await rejection(client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 43201 })))
  // InvalidParameterValue: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
  assert.equal(tooLong.Code, 'InvalidParameterValue', 'the 12 hour maximum')
  assert.equal(tooLong.$metadata.httpStatusCode, 400)
  const invalid = await rejection(client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'not-a-handle', VisibilityTimeout: 5 })))
  assert.equal(invalid.name, 'ReceiptHandleIsInvalid')
  await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle }))
  assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'deleted')
})

test('DeleteMessageBatch and SendMessageBatch: per-entry results, a bad entry fails alone', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
  // ("the result of the action on each message is reported individually": Successful and Failed,
  // each failure a BatchResultErrorEntry with Id, SenderFault, Code and Message)
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_BatchResultErrorEntry.html
  const QueueUrl = await queue()
  const sent = await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'A' }, { Id: 'b', MessageBody: 'B', DelaySeconds: 0 }] }))
  assert.deepEqual(sent.Successful.map((e) => e.Id).sort(), ['a', 'b'])
  assert.deepEqual(sent.Failed ?? [], [])
  const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
  assert.equal(Messages.length, 2)
  const out = await client.send(new DeleteMessageBatchCommand({
    QueueUrl, Entries: [{ Id: 'ok', ReceiptHandle: Messages[0].ReceiptHandle }, { Id: 'bad', ReceiptHandle: 'garbage' }],
  }))
  assert.deepEqual(out.Successful, [{ Id: 'ok' }])
  assert.equal(out.Failed.length, 1)
  const [f] = out.Failed
  assert.equal(f.Id, 'bad')
  assert.equal(f.SenderFault, true)
  assert.equal(f.Code, 'ReceiptHandleIsInvalid')
  assert.ok(f.Message)
  // ChangeMessageVisibilityBatch reports per entry too: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html
  const vis = await client.send(new ChangeMessageVisibilityBatchCommand({
    QueueUrl, Entries: [{ Id: 'ok', ReceiptHandle: Messages[1].ReceiptHandle, VisibilityTimeout: 0 }, { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 0 }],
  }))
  assert.deepEqual(vis.Successful, [{ Id: 'ok' }])
  assert.deepEqual(vis.Failed.map((e) => [e.Id, e.SenderFault, e.Code]), [['bad', true, 'ReceiptHandleIsInvalid']])
  const back = (await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages
  assert.deepEqual(back.map((m) => m.MessageId), [Messages[1].MessageId], 'the deleted one stays deleted, the other is visible again')
  // Whole-request errors: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html#API_DeleteMessageBatch_Errors
  const dup = await rejection(client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'x', ReceiptHandle: 'h' }, { Id: 'x', ReceiptHandle: 'h' }] })))
  assert.equal(dup.name, 'BatchEntryIdsNotDistinct')
  const empty = await rejection(client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [] })))
  assert.equal(empty.name, 'EmptyBatchRequest')
  const many = await rejection(client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, ReceiptHandle: 'h' })) })))
  assert.equal(many.name, 'TooManyEntriesInBatchRequest')
})

test('long polling: WaitTimeSeconds returns as soon as a message arrives, and empty when none does; DelaySeconds hides a message', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
  const QueueUrl = await queue()
  const t0 = Date.now()
  const none = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))
  assert.equal(none.Messages, undefined)
  assert.ok(Date.now() - t0 >= 900, 'an empty long poll waits its time out')

  // A message sent while a 10 s poll waits is in that poll's answer (a poll that missed it would
  // answer empty after 10 s).
  const poll = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }))
  await new Promise((r) => setTimeout(r, 200))
  await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }))
  const got = await poll
  assert.equal(got.Messages?.[0]?.Body, 'late')

  // The product's delayed retries: DelaySeconds as shared/webhook/queue sends it.
  await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'delayed', DelaySeconds: 1 }))
  assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'not before its delay')
  const later = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }))
  assert.equal(later.Messages?.[0]?.Body, 'delayed', 'received once the delay is over, within the poll')
  const bad = await rejection(client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })))
  assert.equal(bad.Code, 'InvalidParameterValue', 'WaitTimeSeconds is 0 to 20 (CommonErrors.html)')
})

test('GetQueueAttributes: visible, in-flight and delayed messages counted apart', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  // (ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible, ApproximateNumberOfMessagesDelayed)
  const QueueUrl = await queue()
  await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }, { Id: 'c', MessageBody: 'c', DelaySeconds: 60 }] }))
  await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }))
  const { Attributes } = await client.send(new GetQueueAttributesCommand({
    QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
  }))
  assert.deepEqual(Attributes, { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '1', ApproximateNumberOfMessagesDelayed: '1' })
  const bad = await rejection(client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['NoSuchAttribute'] })))
  assert.equal(bad.name, 'InvalidAttributeName')
})

test('redrive: past maxReceiveCount a message moves to the dead-letter queue', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListDeadLetterSourceQueues.html
  const QueueUrl = await queue({}, 1)
  const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }))
  const m = (await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages[0]
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }))
  assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'received maxReceiveCount times: not again')
  const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }))
  const moved = (dead.Messages ?? []).find((d) => d.MessageId === MessageId)
  assert.ok(moved, 'in the dead-letter queue, same MessageId')
  assert.equal(moved.Body, 'poison')
  await client.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: moved.ReceiptHandle }))
  const sources = await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))
  assert.ok(sources.queueUrls.includes(QueueUrl), 'the source queue is listed')
})

test('PurgeQueue, DeleteQueue, and IAM\'s AccessDenied for a function without the permission', async () => {
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
  const QueueUrl = await queue()
  await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))
  await client.send(new PurgeQueueCommand({ QueueUrl }))
  assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined)
  // IAM: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
  const denied = await rejection(sqs({}, functionKey).send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))
  // No modelled shape: the SDK names it by the query code, AccessDenied (403).
  assert.equal(denied.Code, 'AccessDenied')
  assert.equal(denied.$fault, 'client')
  assert.equal(denied.$metadata.httpStatusCode, 403)
  assert.match(denied.message, /is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:000000000000:awsjs-/)
  await client.send(new DeleteQueueCommand({ QueueUrl }))
  const gone = await rejection(client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })))
  assert.equal(gone.name, 'QueueDoesNotExist')
})
