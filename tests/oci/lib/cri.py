#!/usr/bin/python3
# A minimal CRI client for tests/oci/kube.sh: the calls a kubelet makes to containerd's CRI
# (runtime.v1.RuntimeService over gRPC), with Debian's python3-grpcio and messages encoded here
# from the CRI's field numbers (k8s.io/cri-api, api.proto), so no generated code is needed.
#
# Usage: cri.py SOCKET COMMAND ARGS...
#   version                          runtime name, version and CRI version, one line
#   run-pod POD.json HANDLER         RunPodSandbox; prints the sandbox ID
#   pod-ip SANDBOX                   PodSandboxStatus's network IP
#   pod-state SANDBOX                SANDBOX_READY or SANDBOX_NOTREADY
#   create SANDBOX CTR.json POD.json CreateContainer; prints the container ID
#   start ID | stop ID SECONDS | rm ID | stop-pod SANDBOX | rm-pod SANDBOX
#   state ID                         ContainerStatus: "STATE EXIT_CODE REASON"
# POD.json: {"name", "uid", "namespace", "cgroup_parent", "log_directory", "annotations": {}}
# CTR.json: {"name", "image", "args": [], "envs": {}, "annotations": {}, "log_path",
#            "memory_limit"}
# Errors: the gRPC status on stderr, exit status 1.
import json
import sys

import grpc

SERVICE = "/runtime.v1.RuntimeService/"


# ---- protobuf wire format (developers.google.com/protocol-buffers/docs/encoding) -----------

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def num(field, n):
    return varint(field << 3) + varint(n)


def raw(field, data):
    return varint(field << 3 | 2) + varint(len(data)) + data


def text(field, s):
    return raw(field, s.encode()) if s else b""


def strmap(field, d):
    return b"".join(raw(field, text(1, k) + text(2, v)) for k, v in (d or {}).items())


def decode(data):
    """A message as {field: [values]}; length-delimited values stay bytes."""
    out, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, i = read_varint(data, i)
        elif wire == 2:
            n, i = read_varint(data, i)
            val, i = data[i:i + n], i + n
        elif wire == 1:
            val, i = data[i:i + 8], i + 8
        elif wire == 5:
            val, i = data[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        out.setdefault(field, []).append(val)
    return out


def read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def first(msg, field, default=b""):
    return msg.get(field, [default])[0]


# ---- CRI messages ----------------------------------------------------------------------------

def pod_config(pod):
    metadata = (text(1, pod["name"]) + text(2, pod["uid"]) + text(3, pod["namespace"]) +
                num(4, 0))
    linux = text(1, pod.get("cgroup_parent", ""))  # LinuxPodSandboxConfig.cgroup_parent
    return (raw(1, metadata) + text(2, pod["name"]) + text(3, pod.get("log_directory", "")) +
            strmap(6, pod.get("labels")) + strmap(7, pod.get("annotations")) + raw(8, linux))


def container_config(ctr):
    metadata = text(1, ctr["name"]) + num(2, 0)
    envs = b"".join(raw(6, text(1, k) + text(2, v)) for k, v in ctr.get("envs", {}).items())
    args = b"".join(text(4, a) for a in ctr.get("args", []))
    resources = num(4, ctr["memory_limit"]) if ctr.get("memory_limit") else b""
    linux = raw(1, resources)  # LinuxContainerConfig.resources
    return (raw(1, metadata) + raw(2, text(1, ctr["image"])) + args + envs +
            strmap(9, ctr.get("labels")) + strmap(10, ctr.get("annotations")) +
            text(11, ctr.get("log_path", "")) + raw(15, linux))


CONTAINER_STATES = ["CONTAINER_CREATED", "CONTAINER_RUNNING", "CONTAINER_EXITED",
                    "CONTAINER_UNKNOWN"]


def call(channel, method, request):
    return decode(channel.unary_unary(SERVICE + method)(request, timeout=60))


def load(path):
    with open(path) as f:
        return json.load(f)


def main(argv):
    sock, cmd, args = argv[1], argv[2], argv[3:]
    channel = grpc.insecure_channel("unix://" + sock)
    if cmd == "version":
        r = call(channel, "Version", text(1, "v1"))
        print(" ".join(first(r, f).decode() for f in (2, 3, 4)))
    elif cmd == "run-pod":
        r = call(channel, "RunPodSandbox", raw(1, pod_config(load(args[0]))) + text(2, args[1]))
        print(first(r, 1).decode())
    elif cmd in ("pod-ip", "pod-state"):
        status = decode(first(call(channel, "PodSandboxStatus", text(1, args[0])), 1))
        if cmd == "pod-ip":
            print(first(decode(first(status, 5)), 1).decode())
        else:
            print(["SANDBOX_READY", "SANDBOX_NOTREADY"][first(status, 3, 0)])
    elif cmd == "create":
        req = (text(1, args[0]) + raw(2, container_config(load(args[1]))) +
               raw(3, pod_config(load(args[2]))))
        print(first(call(channel, "CreateContainer", req), 1).decode())
    elif cmd == "start":
        call(channel, "StartContainer", text(1, args[0]))
    elif cmd == "stop":
        call(channel, "StopContainer", text(1, args[0]) + num(2, int(args[1])))
    elif cmd == "rm":
        call(channel, "RemoveContainer", text(1, args[0]))
    elif cmd == "stop-pod":
        call(channel, "StopPodSandbox", text(1, args[0]))
    elif cmd == "rm-pod":
        call(channel, "RemovePodSandbox", text(1, args[0]))
    elif cmd == "state":
        status = decode(first(call(channel, "ContainerStatus", text(1, args[0])), 1))
        code = first(status, 7, 0)
        code = code - (1 << 64) if code >= 1 << 63 else code
        print(CONTAINER_STATES[first(status, 3, 0)], code, first(status, 10).decode() or "-")
    else:
        print("cri.py: unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except grpc.RpcError as e:
        print("cri.py: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
        sys.exit(1)
