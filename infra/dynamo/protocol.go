package dynamo

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

const targetPrefix = "DynamoDB_20120810."

// apiError is an error answered to the client in DynamoDB's shape.
type apiError struct {
	status  int
	code    string // e.g. ValidationException
	ns      string // __type namespace
	msg     string
	reasons []cancellationReason // TransactionCanceledException only
	item    attr.Item            // ConditionalCheckFailedException with ALL_OLD
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

const (
	nsDynamo = "com.amazonaws.dynamodb.v20120810#"
	nsCoral  = "com.amazon.coral.service#"
)

func validation(format string, args ...any) *apiError {
	return &apiError{status: 400, code: "ValidationException", ns: nsCoral, msg: fmt.Sprintf(format, args...)}
}

func notFound(msg string) *apiError {
	return &apiError{status: 400, code: "ResourceNotFoundException", ns: nsDynamo, msg: msg}
}

func inUse(msg string) *apiError {
	return &apiError{status: 400, code: "ResourceInUseException", ns: nsDynamo, msg: msg}
}

func limitExceeded(msg string) *apiError {
	return &apiError{status: 400, code: "LimitExceededException", ns: nsDynamo, msg: msg}
}

func conditionFailed() *apiError {
	return &apiError{status: 400, code: "ConditionalCheckFailedException", ns: nsDynamo, msg: "The conditional request failed"}
}

func internal(err error) *apiError {
	return &apiError{status: 500, code: "InternalServerError", ns: nsDynamo, msg: "Internal server error: " + err.Error()}
}

// asAPIError maps the errors of attr and expr (client errors with DynamoDB's
// own messages) to ValidationException; anything else is an internal error.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *attr.ValidationError
	if errors.As(err, &ve) {
		return validation("%s", ve.Msg)
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return validation("%s", ee.Msg)
	}
	var se *attr.SerializationError
	if errors.As(err, &se) {
		return &apiError{status: 400, code: "SerializationException", ns: nsCoral, msg: se.Msg}
	}
	return internal(err)
}

type opFunc func(e *Engine, body []byte) (any, error)

var operations = map[string]opFunc{
	"CreateTable":        opCreateTable,
	"DescribeTable":      opDescribeTable,
	"ListTables":         opListTables,
	"DeleteTable":        opDeleteTable,
	"UpdateTable":        opUpdateTable,
	"UpdateTimeToLive":   opUpdateTimeToLive,
	"DescribeTimeToLive": opDescribeTimeToLive,
	"PutItem":            opPutItem,
	"GetItem":            opGetItem,
	"UpdateItem":         opUpdateItem,
	"DeleteItem":         opDeleteItem,
	"BatchGetItem":       opBatchGetItem,
	"BatchWriteItem":     opBatchWriteItem,
	"TransactGetItems":   opTransactGetItems,
	"TransactWriteItems": opTransactWriteItems,
	"Query":              opQuery,
	"Scan":               opScan,
	"DescribeEndpoints":  opDescribeEndpoints,
	"DescribeLimits":     opDescribeLimits,
}

// Handler serves DynamoDB's JSON 1.0 protocol. Signatures are not checked:
// any credentials are accepted, as DynamoDB Local does.
func (e *Engine) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

func (e *Engine) serveHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	if r.Method != http.MethodPost {
		writeError(w, reqID, &apiError{status: 400, code: "UnknownOperationException", ns: nsCoral, msg: "Only POST requests are supported"})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	fn := operations[op]
	if !ok || fn == nil {
		writeError(w, reqID, &apiError{status: 400, code: "UnknownOperationException", ns: nsCoral, msg: "Unknown operation: " + target})
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, reqID, &apiError{status: 400, code: "SerializationException", ns: nsCoral, msg: "Could not read request body"})
		return
	}
	if len(body) > 16<<20 {
		writeError(w, reqID, validation("Request size exceeded 16 MB"))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		writeError(w, reqID, &apiError{status: 400, code: "SerializationException", ns: nsCoral, msg: "Start of structure or map found where not expected."})
		return
	}
	if ae := e.authorize(r, op, body); ae != nil {
		writeError(w, reqID, ae)
		return
	}
	out, err := e.call(fn, body, op == "UpdateTable")
	if err != nil {
		writeError(w, reqID, asAPIError(err))
		return
	}
	buf := responseBuffers.Get().(*[]byte)
	data, err := appendResponse((*buf)[:0], out)
	if err != nil {
		writeError(w, reqID, internal(err))
		return
	}
	writeBody(w, reqID, http.StatusOK, data) // Write copies data out: the buffer is free again after it
	if cap(data) <= maxPooledResponse {
		*buf = data[:0]
		responseBuffers.Put(buf)
	}
}

// responseBuffers hold response bodies between requests: a page of items is tens of KB, which
// every Query used to grow anew from 512 bytes.
var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledResponse keeps a rare huge response (a 1 MB page) from pinning its buffer.
const maxPooledResponse = 256 << 10

// readBody reads a request body of at most 16 MB (one byte more tells it is over), in one
// allocation when the client sent Content-Length (the SDKs always do).
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= 16<<20 {
		body := make([]byte, n)
		_, err := io.ReadFull(r.Body, body)
		return body, err
	}
	return io.ReadAll(io.LimitReader(r.Body, 16<<20+1))
}

// call runs an operation, turning a panic into an InternalServerError so one
// bad request never takes the server down. Operations hold the schema lock
// shared, UpdateTable exclusively (see Engine.schema).
func (e *Engine) call(fn opFunc, body []byte, exclusive bool) (out any, err error) {
	if exclusive {
		e.schema.Lock()
		defer e.schema.Unlock()
	} else {
		e.schema.RLock()
		defer e.schema.RUnlock()
	}
	defer func() {
		if p := recover(); p != nil {
			err = internal(fmt.Errorf("panic: %v", p))
		}
	}()
	return fn(e, body)
}

func writeError(w http.ResponseWriter, reqID string, ae *apiError) {
	body := map[string]any{"__type": ae.ns + ae.code, "message": ae.msg}
	if ae.reasons != nil {
		body["CancellationReasons"] = ae.reasons
	}
	if ae.item != nil {
		body["Item"] = ae.item
	}
	data, err := json.Marshal(body)
	if err != nil {
		data = []byte(`{"__type":"` + nsDynamo + `InternalServerError","message":"Internal server error"}`)
	}
	writeBody(w, reqID, ae.status, data)
}

func writeBody(w http.ResponseWriter, reqID string, status int, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(data)), 10))
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func newRequestID() string {
	var b [26]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))[:52]
}

// decode reads a request body into v. Attribute values carry their own
// validation (attr), whose errors come back as they are.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var ve *attr.ValidationError
		var se *attr.SerializationError
		if errors.As(err, &ve) || errors.As(err, &se) {
			return err
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &apiError{status: 400, code: "SerializationException", ns: nsCoral, msg: fmt.Sprintf("Unexpected value type in payload for field %s", te.Field)}
		}
		return &apiError{status: 400, code: "SerializationException", ns: nsCoral, msg: err.Error()}
	}
	return nil
}

func opDescribeEndpoints(e *Engine, _ []byte) (any, error) {
	return map[string]any{"Endpoints": []map[string]any{{"Address": "localhost", "CachePeriodInMinutes": 1440}}}, nil
}

func opDescribeLimits(e *Engine, _ []byte) (any, error) {
	return map[string]any{
		"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
		"TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000,
	}, nil
}
