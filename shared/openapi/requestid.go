package openapi

// Every response the API's functions build carries Request-Id (shared/api/requestid.go): the
// document says so on every response it describes. API Gateway's own answers carry only
// x-amzn-RequestId (the same id), so neither header is required.

const requestIDRef = "#/components/headers/RequestId"

func requestIDHeaders() Doc {
	return Doc{"RequestId": Doc{"description": "The request's id: the `event` of an error, the `requestId` of its request log. " +
		"API Gateway's own answers (no key, throttled) carry only x-amzn-RequestId, the same id.", "schema": str()}}
}

// addRequestIDHeaders names the header on every inline response of paths.
func addRequestIDHeaders(paths Doc) {
	for _, item := range paths {
		for _, op := range item.(Doc) {
			for _, rd := range inlineResponses(op.(Doc)) {
				withRequestIDHeader(rd)
			}
		}
	}
}

func withRequestIDHeader(resp Doc) Doc { return withHeaderRef(resp, "Request-Id", requestIDRef) }

// inlineResponses are op's responses described in place: a response by $ref (the shared Error)
// names its headers where it is defined.
func inlineResponses(op Doc) []Doc {
	resps, _ := op["responses"].(Doc)
	var out []Doc
	for _, r := range resps {
		if rd, ok := r.(Doc); ok && rd["$ref"] == nil {
			out = append(out, rd)
		}
	}
	return out
}

// withHeaderRef names the response header name on resp, described by the component at ref.
func withHeaderRef(resp Doc, name, ref string) Doc {
	h, _ := resp["headers"].(Doc)
	if h == nil {
		h = Doc{}
		resp["headers"] = h
	}
	h[name] = Doc{"$ref": ref}
	return resp
}
