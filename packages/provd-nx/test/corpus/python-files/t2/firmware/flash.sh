#!/bin/sh
echo flashing t2
