package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"os"
	"testing"
	"time"

	"xaso/build/testkit"
)

// TestInterruptedUploadLeavesNothing: a client that goes away half-way
// through an upload (a cable pulled, a browser tab closed) leaves no blob,
// no half-written file and no attachment; the replicated state is byte for
// byte what it was; and the same upload sent whole afterwards succeeds.
func TestInterruptedUploadLeavesNothing(t *testing.T) {
	d := newPaperDesk(t)
	code := d.receive()
	path := "/api/v1/dossiers/" + code + "/attachments"
	file := append(scan("jpeg", 640, 480), bytes.Repeat([]byte{0xAB}, 3<<20)...)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "scan.jpg")
	fw.Write(file)
	mw.Close()
	chunked := func(b []byte) []byte { // one chunk for the half that is sent
		return append(fmt.Appendf(nil, "%x\r\n", len(b)), append(b, "\r\n"...)...)
	}
	tests := []struct {
		name   string
		header string
		body   []byte
		frame  func([]byte) []byte
	}{
		{"raw body with Content-Length", fmt.Sprintf("Content-Type: image/jpeg\r\nContent-Length: %d\r\n", len(file)), file, nil},
		{"raw body, chunked", "Content-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n", file, chunked},
		{"multipart", fmt.Sprintf("Content-Type: %s\r\nContent-Length: %d\r\n", mw.FormDataContentType(), mp.Len()), mp.Bytes(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := d.n.Store.StateHash()
			if err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", d.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			half := tt.body[:len(tt.body)/2]
			if tt.frame != nil {
				half = tt.frame(half)
			}
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: desk\r\nAuthorization: Bearer %s\r\n%s\r\n", path, d.token, tt.header)
			if _, err := conn.Write(half); err != nil {
				t.Fatal(err)
			}
			// The server is writing the upload aside...
			testkit.WaitFor(t, 10*time.Second, "the upload to reach the disk", func() bool {
				_, tmp := blobFiles(t, d.n.Blobs.Dir())
				if len(tmp) != 1 {
					return false
				}
				fi, err := os.Stat(tmp[0])
				return err == nil && fi.Size() > 0
			})
			conn.Close() // ...when the client goes away.
			testkit.WaitFor(t, 10*time.Second, "the unfinished upload to be removed", func() bool {
				_, tmp := blobFiles(t, d.n.Blobs.Dir())
				return len(tmp) == 0
			})
			if blobs, _ := blobFiles(t, d.n.Blobs.Dir()); len(blobs) != 0 {
				t.Errorf("an interrupted upload left blobs %v", blobs)
			}
			after, err := d.n.Store.StateHash()
			if err != nil {
				t.Fatal(err)
			}
			if before != after {
				t.Errorf("an interrupted upload changed the replicated state")
			}
			_, dos := d.json("GET", "/api/v1/dossiers/"+code, "")
			if dos["attachments"] != nil {
				t.Errorf("an interrupted upload left an attachment: %v", dos["attachments"])
			}
		})
	}
	// The same scan sent whole is stored, once.
	if st, body := d.req("POST", path, "image/jpeg", bytes.NewReader(file)); st != 201 {
		t.Fatalf("whole upload after interrupted ones: %d %s", st, body)
	}
	if blobs, tmp := blobFiles(t, d.n.Blobs.Dir()); len(blobs) != 1 || len(tmp) != 0 {
		t.Errorf("after one whole upload: blobs %v, unfinished %v", blobs, tmp)
	}
}
