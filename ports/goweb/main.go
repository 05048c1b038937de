// goweb: a small net/http server, built static by Debian's Go (CGO_ENABLED=0), that the linux
// server runs unmodified (issue 14, milestone 3). It answers deterministically, so the e2e test
// (tests/e2e/case_go.py) can compare what it serves on Warp with the same binary on the host.
//
// Usage: goweb [ADDR]   (default ":80")
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// pattern is /big's body: n bytes that a client can recompute.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + (i*7+i/251)%26)
	}
	return b
}

// work runs n goroutines that each hash their own buffer many times and meet on a channel and a
// mutex: the scheduler, channels and locks in use (threads, futexes, preemption by signals).
func work(n int) string {
	var mu sync.Mutex
	sums := make([]string, 0, n)
	done := make(chan struct{})
	for g := 0; g < n; g++ {
		go func(g int) {
			data := []byte(strings.Repeat(fmt.Sprint(g), 1000))
			sum := sha256.Sum256(data)
			for i := 0; i < 2000; i++ {
				sum = sha256.Sum256(sum[:])
			}
			mu.Lock()
			sums = append(sums, hex.EncodeToString(sum[:8]))
			mu.Unlock()
			done <- struct{}{}
		}(g)
	}
	for g := 0; g < n; g++ {
		<-done
	}
	sort.Strings(sums)
	return strings.Join(sums, ",")
}

func main() {
	addr := ":80"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	big := pattern(300000)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "hello from Go net/http (%s %s)\n", r.Method, r.URL.Path)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(big)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]interface{}{
			"query": r.URL.Query().Get("q"), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
		})
	})
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, work(8))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		sum := sha256.New()
		n, err := sum.Write(mustRead(r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d bytes, sha256 %x\n", n, sum.Sum(nil))
	})
	fmt.Printf("goweb: listening on %s\n", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, "goweb:", err)
		os.Exit(1)
	}
}

// mustRead is the whole request body (an empty one if it cannot be read).
func mustRead(r *http.Request) []byte {
	var b strings.Builder
	buf := make([]byte, 32768)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return []byte(b.String())
		}
	}
}
