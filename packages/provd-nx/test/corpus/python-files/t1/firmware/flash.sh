#!/bin/sh
echo flashing t1
