package main

import (
	"errors"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// frame is one gRPC message, undecoded: what the proxy passes between the engine and the old host.
type frame struct{ payload []byte }

// passthroughCodec leaves frames as bytes and encodes everything else (RunPlugin's messages, the
// health service) as protobuf, like gRPC's default codec, whose name it takes.
type passthroughCodec struct{}

func (passthroughCodec) Marshal(v any) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return f.payload, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, status.Errorf(codes.Internal, "cannot encode %T", v)
	}
	return proto.Marshal(m)
}

func (passthroughCodec) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*frame); ok {
		f.payload = append([]byte(nil), data...)
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "cannot decode into %T", v)
	}
	return proto.Unmarshal(data, m)
}

func (passthroughCodec) Name() string { return "proto" }

// forwardTo relays any call it receives (unary or streaming alike) to the same method on conn:
// request frames one way, response frames, headers, trailers and the final status the other.
func forwardTo(conn *grpc.ClientConn) grpc.StreamHandler {
	return func(_ any, in grpc.ServerStream) error {
		method, ok := grpc.MethodFromServerStream(in)
		if !ok {
			return status.Error(codes.Internal, "no method name on the stream")
		}
		ctx := in.Context()
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			ctx = metadata.NewOutgoingContext(ctx, forwardable(md))
		}
		out, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true},
			method, grpc.ForceCodec(passthroughCodec{}))
		if err != nil {
			return err
		}

		// Engine -> old host.
		sent := make(chan error, 1)
		go func() {
			for {
				f := new(frame)
				if err := in.RecvMsg(f); err != nil {
					if errors.Is(err, io.EOF) {
						sent <- out.CloseSend()
					} else {
						sent <- err
					}
					return
				}
				if err := out.SendMsg(f); err != nil {
					// The old host ended the call; its status comes through RecvMsg below.
					sent <- nil
					return
				}
			}
		}()

		// Old host -> engine.
		header, err := out.Header()
		if err != nil {
			return err
		}
		if err := in.SendHeader(header); err != nil {
			return err
		}
		for {
			f := new(frame)
			if err := out.RecvMsg(f); err != nil {
				in.SetTrailer(out.Trailer())
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err // the old host's status (Unimplemented, an error...) as it sent it
			}
			if err := in.SendMsg(f); err != nil {
				return err
			}
		}
	}
}

// forwardable drops the transport's own headers from incoming metadata.
func forwardable(md metadata.MD) metadata.MD {
	out := metadata.MD{}
	for k, v := range md {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") ||
			k == "content-type" || k == "user-agent" || k == "te" {
			continue
		}
		out[k] = v
	}
	return out
}
