#!/usr/bin/env python3
"""Tests of cmake/check_layers.py on tiny synthetic trees: a clean tree
passes, and a forbidden include, an include of an unowned header and a link
cycle each fail with a message naming the file and the targets. The last
test configures a synthetic CMake project with cmake/layers.cmake, so the
graph CMake writes is what the checker reads (needs cmake on PATH or in
$SEGSTREAM_CMAKE). Run by ctest as `layers_selftest` (label `lint`).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_layers  # noqa: E402


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="check_layers_")
        self.addCleanup(shutil.rmtree, self.root)
        # low <- mid <- top; low/low.h, mid/mid.h, top/main.cc.
        write(self.root, "low/low.h", "#pragma once\n")
        write(self.root, "low/low.cc", '#include "low/low.h"\n')
        write(self.root, "mid/mid.h", '#pragma once\n#include "low/low.h"\n')
        write(self.root, "mid/mid.cc", '#include "mid/mid.h"\n')
        write(self.root, "top/main.cc", '#include "mid/mid.h"\n#include "low/low.h"\n')
        self.links = [("mid", "low"), ("top", "mid")]

    def run_check(self):
        graph = os.path.join(self.root, "graph.tsv")
        with open(graph, "w", encoding="utf-8") as f:
            for t, kind in (("low", "STATIC_LIBRARY"), ("mid", "STATIC_LIBRARY"), ("top", "EXECUTABLE")):
                f.write("target\t%s\t%s\t%s\n" % (t, kind, t))
            f.write("source\tlow\tlow/low.cc\nsource\tmid\tmid/mid.cc\nsource\ttop\ttop/main.cc\n")
            for a, b in self.links:
                f.write("link\t%s\t%s\n" % (a, b))
        return check_layers.check(self.root, check_layers.read_graph(graph))

    def test_clean_tree_passes_and_transitive_links_count(self):
        self.assertEqual(self.run_check(), [])

    def test_include_from_a_library_not_linked_fails(self):
        write(self.root, "low/low.cc", '#include "low/low.h"\n#include "mid/mid.h"\n')
        self.assertEqual(self.run_check(),
                         ["low/low.cc:2: low includes mid/mid.h of mid, which low does not link"])

    def test_forbidden_include_in_a_header_fails(self):
        write(self.root, "low/low.h", '#pragma once\n#include "mid/mid.h"\n')
        self.assertIn("low/low.h:2: low includes mid/mid.h of mid, which low does not link", self.run_check())

    def test_unowned_header_fails(self):
        write(self.root, "shared.h", "#pragma once\n")
        write(self.root, "mid/mid.cc", '#include "mid/mid.h"\n#include "shared.h"\n')
        self.assertEqual(self.run_check(), ["mid/mid.cc:2: mid includes shared.h, which no target owns"])

    def test_link_cycle_fails(self):
        self.links.append(("low", "top"))
        self.assertIn("link cycle: low -> top -> mid -> low", self.run_check())

    def test_main_exit_codes(self):
        graph = os.path.join(self.root, "graph.tsv")
        self.run_check()
        self.assertEqual(check_layers.main(["--root", self.root, "--graph", graph]), 0)
        write(self.root, "low/low.cc", '#include "mid/mid.h"\n')
        self.assertEqual(check_layers.main(["--root", self.root, "--graph", graph]), 1)
        self.assertEqual(check_layers.main(["--root", self.root, "--graph", graph + ".missing"]), 2)


class CMakeGraphTest(unittest.TestCase):
    """cmake/layers.cmake writes the graph of a real configure."""

    def test_configured_project(self):
        cmake = os.environ.get("SEGSTREAM_CMAKE") or shutil.which("cmake")
        if not cmake:
            self.skipTest("no cmake")
        root = tempfile.mkdtemp(prefix="check_layers_cmake_")
        self.addCleanup(shutil.rmtree, root)
        shutil.copy(os.path.join(HERE, "layers.cmake"), os.path.join(root, "layers.cmake"))
        write(root, "CMakeLists.txt", """\
            cmake_minimum_required(VERSION 3.25)
            project(layers_selftest LANGUAGES NONE)
            include(layers.cmake)
            add_library(low INTERFACE low/low.h)
            add_library(mid INTERFACE mid/mid.h)
            target_link_libraries(mid INTERFACE low)
            segstream_register_target(low)
            segstream_register_target(mid)
            segstream_write_target_graph(${PROJECT_BINARY_DIR}/graph.tsv)
            """)
        write(root, "low/low.h", "#pragma once\n")
        write(root, "mid/mid.h", '#pragma once\n#include "low/low.h"\n')
        build = os.path.join(root, "build")
        subprocess.run([cmake, "-S", root, "-B", build], check=True, stdout=subprocess.DEVNULL)
        g = check_layers.read_graph(os.path.join(build, "graph.tsv"))
        self.assertEqual(g.links["mid"], {"low"})
        self.assertEqual(check_layers.check(root, g), [])
        write(root, "low/low.h", '#pragma once\n#include "mid/mid.h"\n')
        self.assertEqual(check_layers.check(root, g),
                         ["low/low.h:2: low includes mid/mid.h of mid, which low does not link"])


if __name__ == "__main__":
    unittest.main()
