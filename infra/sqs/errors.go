package sqs

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error in SQS's JSON protocol shape: the modelled shape name in
// __type and the legacy query code in x-amzn-query-error, which the SDK uses as
// the error code it reports (awsQueryCompatible).
type apiError struct {
	status int
	typ    string // __type, e.g. com.amazonaws.sqs#QueueDoesNotExist
	query  string // query-protocol code, e.g. AWS.SimpleQueueService.NonExistentQueue
	sender bool   // fault is the caller's
	msg    string
}

func (e *apiError) Error() string { return e.query + ": " + e.msg }

func writeError(w http.ResponseWriter, e *apiError) {
	fault := "Sender"
	if !e.sender && e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.Header().Set("x-amzn-query-error", e.query+";"+fault)
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	_, _ = w.Write(b)
}

func sqsErr(shape, query, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "com.amazonaws.sqs#" + shape, query: query, sender: true, msg: msg}
}

// Errors SQS has no modelled shape for come back with a generic __type; the
// SDK reports the query code.
func genericErr(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.service#" + code, query: code, sender: true, msg: msg}
}

func errQueueDoesNotExist() *apiError {
	return sqsErr("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

func errInvalidParameterValue(format string, args ...any) *apiError {
	return genericErr("InvalidParameterValue", fmt.Sprintf(format, args...))
}

func errMissingParameter(name string) *apiError {
	return genericErr("MissingParameter", "The request must contain the parameter "+name+".")
}

func errInvalidAttributeName(name string) *apiError {
	return sqsErr("InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute "+name+".")
}

func errInvalidAttributeValue(format string, args ...any) *apiError {
	return sqsErr("InvalidAttributeValue", "InvalidAttributeValue", fmt.Sprintf(format, args...))
}

func errReceiptHandleIsInvalid(h string) *apiError {
	return sqsErr("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", h))
}

func errInternal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: "com.amazon.coral.service#InternalFailure", query: "InternalFailure", msg: "internal error: " + err.Error()}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
